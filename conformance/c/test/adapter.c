/* The C device's adapter for the conformance kit (conformance/README.md, "Writing an adapter"): one
 * JSON operation per line on stdin, one JSON reply per line on stdout, built from the vector checker's
 * code (its JSON reader, its receiver set-up sw_test_open, its operation reader op_from_json) and the
 * library. Groups: crypto, keys, envelope, replay, reliability-frames, message-ops, reliability-device (the
 * device profile of 14.12; reliability-full, the full profile, is not implemented), cookies (cookie-answer
 * is a node under load's: a device never makes COOKIEs, [SW-6.5-7]). session (spec 13) and multicast
 * (spec 19) are optional modes the device has no code for: unsupported as a whole.
 *   make adapter && saltwire conformance vectors --adapter conformance/c/build/adapter */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include "common.h"


/* ---- the reply, built in one buffer ---- */
static char out[400000]; static size_t on;
static void put(const char *s) { size_t n = strlen(s); if (on + n < sizeof out) { memcpy(out + on, s, n); on += n; } }
static void putf_u(const char *key, unsigned long long v) { char b[80]; snprintf(b, sizeof b, "\"%s\":%llu", key, v); put(b); }
static void put_hex(const char *key, const uint8_t *p, size_t n) {
  static char h[140001]; if (2 * n >= sizeof h) n = sizeof h / 2 - 1;
  hex(h, p, n); put("\""); put(key); put("\":\""); put(h); put("\"");
}
/* A JSON string of UTF-8 bytes, control characters, quotes and backslashes escaped. */
static void put_str(const char *key, const uint8_t *p, size_t n) {
  if (key) { put("\""); put(key); put("\":"); }
  put("\"");
  for (size_t i = 0; i < n; i++) {
    char b[8];
    if (p[i] == '"' || p[i] == '\\') { b[0] = '\\'; b[1] = (char)p[i]; b[2] = 0; }
    else if (p[i] < 0x20) snprintf(b, sizeof b, "\\u%04x", p[i]);
    else { b[0] = (char)p[i]; b[1] = 0; }
    put(b);
  }
  put("\"");
}

/* ---- frames as JSON, the shape of the vectors' `frames` ---- */
static void put_frames(const uint8_t *pt, size_t n) {
  size_t off = 0; sw_frame f; int first = 1;
  put("\"frames\":[");
  while (sw_frame_next(pt, n, &off, &f) > 0) {
    if (!first) put(",");
    first = 0; put("{");
    switch (f.type) {
    case SW_F_PADDING: put("\"type\":\"PADDING\","); putf_u("length", f.a); break;
    case SW_F_INDEX: put("\"type\":\"INDEX\","); putf_u("index", f.a); put(","); putf_u("gen", f.gen); put(","); putf_u("epoch", f.b); break;
    case SW_F_DATAGRAM: put("\"type\":\"DATAGRAM\","); put_hex("data", f.data, f.len); break;
    case SW_F_PING: put("\"type\":\"PING\""); break;
    case SW_F_CHALLENGE: case SW_F_ECHO: put(f.type == SW_F_ECHO ? "\"type\":\"ECHO\"," : "\"type\":\"CHALLENGE\","); put_hex("token", f.data, 8); break;
    case SW_F_STALE: put("\"type\":\"STALE\","); putf_u("gen", f.gen); put(","); putf_u("epoch", f.b); break;
    case SW_F_FORWARD: put("\"type\":\"FORWARD\","); putf_u("floor", f.a); break;
    case SW_F_SLEEP: put("\"type\":\"SLEEP\","); putf_u("wakeIntervalMs", f.a); put(","); putf_u("awakeMs", f.b); break;
    case SW_F_ACK:
      put("\"type\":\"ACK\","); putf_u("cum", f.a); put(","); putf_u("window", f.b); put(","); putf_u("delay", f.c); put(",\"ranges\":[");
      for (int k = 0; k < f.nranges; k++) { uint32_t s, e; sw_ack_range_get(&f, k, &s, &e); put(k ? ",{" : "{"); putf_u("start", s); put(","); putf_u("end", e); put("}"); }
      put("]"); break;
    case SW_F_MSG:
      put("\"type\":\"MSG\","); putf_u("channel", f.channel);
      if (f.flags & SW_MSG_R) { put(","); putf_u("id", f.a); }
      if (f.flags & SW_MSG_O) { put(","); putf_u("prev", f.b); }
      if (f.flags & SW_MSG_F) { put(",\"frag\":{"); putf_u("index", f.c); put(","); putf_u("count", f.d); put(","); putf_u("total", f.total); put("}"); }
      put(","); put_hex("data", f.data, f.len); break;
    default: putf_u("type", f.type);
    }
    put("}");
  }
  put("]");
}

/* ---- an operation as JSON, the shape of message_ops.json's `operation` ---- */
static void put_op(const sw_op *o) {
  static const char *names[] = {"", "", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "SYNC", "WILL", "ALIAS", "PUBNACK"};
  char b[40];
  put("\"operation\":{\"op\":\"");
  put(o->op == SW_OP_PUBLISH ? "PUBLISH" : o->op == SW_OP_CALL ? "CALL" : o->op == SW_OP_CALLACK ? "CALLACK" : o->op == SW_OP_RESULT ? "RESULT" : o->op < 10 ? names[o->op] : "?");
  put("\"");
  switch (o->op) {
  case SW_OP_PUBLISH:
    put(","); putf_u("qos", o->qos); put(o->flags & SW_PUB_RETAIN ? ",\"retain\":true" : ",\"retain\":false");
    if (o->flags & SW_PUB_ALIAS) { put(","); putf_u("alias", o->alias); }
    if (o->flags & SW_PUB_TOPIC) { put(","); put_str("topic", o->topic.p, o->topic.n); }
    if (o->flags & SW_PUB_FROM) { put(","); put_str("from", o->from.p, o->from.n); }
    if (o->qos == 2) { snprintf(b, sizeof b, ",\"pubId\":\"%llu\"", (unsigned long long)o->id); put(b); }
    if (o->flags & SW_PUB_REF) { put(","); putf_u("ref", o->ref); }
    put(","); put_hex("payload", o->body.p, o->body.n); break;
  case SW_OP_PUBNACK: put(","); putf_u("ref", o->ref); put(","); putf_u("reason", o->outcome); break;
  case SW_OP_SUBSCRIBE: case SW_OP_SYNC: case SW_OP_UNSUBSCRIBE: case SW_OP_SUBACK: {
    put(","); putf_u("req", o->req);
    if (o->op == SW_OP_SYNC) {
      put(",\"limits\":{"); putf_u("maxDatagram", o->max_datagram); put(","); putf_u("maxMessage", o->max_message); put(",");
      putf_u("maxAliases", o->max_aliases); put(","); putf_u("window", o->window); put("}");
    }
    if (o->op == SW_OP_SUBACK) {
      put(",\"codes\":[");
      for (uint32_t k = 0; k < o->list.n; k++) { snprintf(b, sizeof b, "%s%u", k ? "," : "", o->list.p[k]); put(b); }
      put("]"); break;
    }
    put(",\"filters\":[");
    size_t off = 0; uint8_t q; sw_str f; int first = 1;
    while (sw_op_list_next(o, &off, &q, &f) > 0) {
      put(first ? "" : ","); first = 0;
      if (o->op == SW_OP_UNSUBSCRIBE) put_str(NULL, f.p, f.n);
      else { put("{"); putf_u("qos", q); put(","); put_str("filter", f.p, f.n); put("}"); }
    }
    put("]"); break;
  }
  case SW_OP_UNSUBACK: put(","); putf_u("req", o->req); break;
  case SW_OP_WILL: put(","); putf_u("qos", o->qos); put(o->flags & 4 ? ",\"retain\":true," : ",\"retain\":false,"); put_str("topic", o->topic.p, o->topic.n); put(","); put_hex("payload", o->body.p, o->body.n); break;
  case SW_OP_ALIAS: put(","); putf_u("alias", o->alias); put(","); put_str("topic", o->topic.p, o->topic.n); break;
  case SW_OP_CALL: case SW_OP_CALLACK: case SW_OP_RESULT:
    snprintf(b, sizeof b, ",\"callId\":\"%llu\"", (unsigned long long)o->id); put(b);
    if (o->op == SW_OP_CALL) { put(","); putf_u("timeoutMs", o->timeout); }
    put(","); put_str("to", o->to.p, o->to.n);
    if (o->op == SW_OP_CALL) { put(","); put_str("from", o->from.p, o->from.n); put(","); put_str("method", o->method.p, o->method.n); put(","); put_hex("params", o->body.p, o->body.n); }
    if (o->op == SW_OP_RESULT) { put(","); putf_u("outcome", o->outcome); put(","); put_hex("body", o->body.p, o->body.n); }
    break;
  }
  put("}");
}

/* ---- operations ---- */
#define G(k) json_get(j, r, k)
#define I(k) json_int(j, G(k))
static uint8_t A[70000], B[70000], C[70000];

static size_t hex_id(const json *j, int r, const char *k, char *s, size_t cap) { size_t n = json_hex(j, G(k), (uint8_t *)s, cap - 1); s[n] = 0; return n; }

static void window_run(const json *j, int r, int epochs) {
  uint16_t W = (uint16_t)I("windowSize"); int steps = G("steps");
  sw_window w; sw_window_init(&w, W); uint32_t maxe = 0; int has = 0;
  put("\"verdicts\":[");
  for (int s = 0; s < j->t[steps].size; s++) {
    int st = json_child(j, steps, s);
    uint32_t c = (uint32_t)json_int(j, json_get(j, st, "counter")), e = epochs ? (uint32_t)json_int(j, json_get(j, st, "epoch")) : 0;
    int auth = json_int(j, json_get(j, st, "authentic")) == 1;
    const char *v;
    if (epochs && has && e < maxe) v = "STALE_EPOCH";
    else {
      int rc = (epochs && (!has || e > maxe)) ? SW_OK : sw_window_check(&w, c);
      v = rc != SW_OK ? sw_reason_name(rc) : !auth ? "AUTH" : "accept";
      if (rc == SW_OK && auth) { if (epochs && (!has || e > maxe)) { sw_window_init(&w, W); maxe = e; has = 1; } sw_window_update(&w, c); }
    }
    put(s ? ",\"" : "\""); put(v); put("\"");
  }
  put("]");
}

static void do_open(const json *j, int r) {
  size_t n = json_hex(j, G("datagram"), A, sizeof A);
  sw_rx rx; int rc = sw_test_open(j, G("receiver"), A, n, &rx);
  if (rc == SW_OK) {
    put("\"accept\":{"); put_str("sender", (const uint8_t *)rx.sender, rx.sender_len); put(","); putf_u("gen", rx.gen); put(",");
    putf_u("epoch", rx.epoch); put(","); putf_u("counter", rx.counter); put(","); put_hex("plaintext", rx.pt, rx.ptlen); put(",");
    put_frames(rx.pt, rx.ptlen); put(rx.fresh ? ",\"freshness\":\"fresh\"}" : ",\"freshness\":\"unknown\"}");
    return;
  }
  put("\"drop\":\""); put(sw_reason_name(rc)); put("\"");
  /* an authenticated stale datagram, for a receiver that answers them: what the answer names (12.4) */
  if (rc == SW_STALE_EPOCH && rx.stale_auth && sw_frames_check(rx.pt, rx.ptlen) == 0) {
    const uint8_t *tok = NULL; size_t off = 0; sw_frame f;
    while (sw_frame_next(rx.pt, rx.ptlen, &off, &f) > 0) if (f.type == SW_F_CHALLENGE) tok = f.data;
    put(",\"stale\":{"); put_str("peer", (const uint8_t *)rx.sender, rx.sender_len); put(","); putf_u("gen", rx.gen); put(",");
    putf_u("epoch", rx.epoch); put(","); putf_u("floor", rx.stale_floor); put(",");
    if (tok) put_hex("token", tok, 8); else put("\"token\":null");
    put("}");
  }
}


/* ---- rel.device.run: a RelDeviceScenario, A a device-profile sender, B a device or full receiver,
 * as test/t_reldevice.c plays it; each step's `expect` written out instead of compared ---- */
static char evd[8192], evf[8192];   /* delivered and failed lists of the current step, JSON */
static void on_deliver(void *u, uint8_t ch, uint32_t first, int ordered, const uint8_t *d, size_t n) {
  (void)u; (void)d; char one[120];
  snprintf(one, sizeof one, "%s{\"channel\":%u,\"id\":%u,\"ordered\":%s,\"length\":%zu}", evd[0] ? "," : "", ch, first, ordered ? "true" : "false", n);
  if (strlen(evd) + strlen(one) < sizeof evd) strcat(evd, one);
}
/* The library's receipts carry no failure code: in the device profile a message fails only at its deadline. */
static void on_receipt(void *u, uint16_t ticket, int ok) {
  (void)u; char one[100];
  if (ok) return;
  snprintf(one, sizeof one, "%s{\"type\":\"failed\",\"ticket\":%u,\"code\":\"ERR_DEADLINE_EXCEEDED\"}", evf[0] ? "," : "", ticket);
  if (strlen(evf) + strlen(one) < sizeof evf) strcat(evf, one);
}

static void put_sender(const sw_rel_tx *A, uint32_t now) {
  char b[200]; uint32_t nd = sw_tx_next_deadline((sw_rel_tx *)A, now);
  put("\"sender\":{"); putf_u("rto", A->rto);
  if (A->has_sample) { snprintf(b, sizeof b, ",\"srtt\":%u,\"rttvar\":%u", A->srtt, A->rttvar); put(b); } else put(",\"srtt\":null,\"rttvar\":null");
  put(","); putf_u("backoff", A->k);
  if (A->timer_on) { put(","); putf_u("timer", A->timer); } else put(",\"timer\":null");
  put(",\"inFlight\":[");
  int first = 1;
  for (uint32_t id = A->floor; id != A->next_id; id++) if (A->fl[id % SW_WINDOW].state == 1) { snprintf(b, sizeof b, "%s%u", first ? "" : ",", id); put(b); first = 0; }
  put("]");
  if (nd != SW_NONE) { put(","); putf_u("nextDeadline", nd); } else put(",\"nextDeadline\":null");
  put("}");
}

static void rel_device_run(const json *j, int r) {
  static sw_rel_tx A; static sw_rel_rx B; static uint8_t dg[64][700]; static size_t dn[64];
  int cfg = G("config"), ca = json_get(j, json_get(j, cfg, "A"), "send"), cb_ = json_get(j, cfg, "B");
  size_t room = (size_t)json_int(j, json_get(j, cfg, "room"));
  sw_tx_init(&A, json_get(j, ca, "datagramBudget") >= 0 ? (uint16_t)json_int(j, json_get(j, ca, "datagramBudget")) : 512, (uint8_t)json_int(j, json_get(j, cfg, "randomByte")));
  A.peer_max_message = json_get(j, ca, "peerMaxMessage") >= 0 ? (uint32_t)json_int(j, json_get(j, ca, "peerMaxMessage")) : 65536;
  if (json_get(j, ca, "outboxMessages") >= 0) A.outbox_msgs = (uint16_t)json_int(j, json_get(j, ca, "outboxMessages"));
  if (json_get(j, ca, "outboxBytes") >= 0) A.outbox_bytes = (uint16_t)json_int(j, json_get(j, ca, "outboxBytes"));
  if (json_get(j, ca, "controlReserveMessages") >= 0) A.reserve_msgs = (uint16_t)json_int(j, json_get(j, ca, "controlReserveMessages"));
  if (json_get(j, ca, "controlReserveBytes") >= 0) A.reserve_bytes = (uint16_t)json_int(j, json_get(j, ca, "controlReserveBytes"));
  int full = !json_streq(j, json_get(j, cb_, "profile"), "device");
  int mm = json_get(j, json_get(j, cb_, "receive"), "maxMessage");
  sw_rx_init(&B, full ? 64 : 8, full ? 20 : 0, mm >= 0 ? (uint16_t)json_int(j, mm) : full ? 65535 : 366);
  /* B a hub that defers its acknowledgements ([SW-14.3-9]): a device never does; B's datagrams come
   * with its poll steps, and the kit compares only what concerns A */
  int scripted = json_get(j, cb_, "deferAcks") >= 0;
  sw_rel_cb cb = {on_deliver, on_receipt, NULL};
  int steps = G("steps"), na = 0, nb = 0;
  put("\"expects\":[");
  for (int si = 0; si < j->t[steps].size; si++) {
    int st = json_child(j, steps, si), op = json_get(j, st, "do");
    uint32_t now = (uint32_t)json_int(j, json_get(j, st, "t"));
    evd[0] = evf[0] = 0;
    put(si ? ",{" : "{");
    if (json_streq(j, op, "send")) {
      int o = json_get(j, st, "opts"); static uint8_t buf[4096];
      size_t n = (size_t)json_int(j, json_get(j, st, "size")); if (n > sizeof buf) n = sizeof buf;
      memset(buf, (int)json_int(j, json_get(j, st, "fill")), n);
      uint8_t fl = 0;
      if (json_int(j, json_get(j, o, "reliable")) == 0) fl |= SW_SEND_UNRELIABLE;
      if (json_int(j, json_get(j, o, "ordered")) == 1) fl |= SW_MSG_O;
      if (json_int(j, json_get(j, o, "control")) == 1) fl |= SW_SEND_CONTROL;
      uint32_t dl = json_get(j, o, "deadline") >= 0 ? (uint32_t)json_int(j, json_get(j, o, "deadline")) : now + 60000;
      int ch = json_get(j, o, "channel") >= 0 ? (int)json_int(j, json_get(j, o, "channel")) : 0;
      int rc = sw_tx_send(&A, now, (uint8_t)ch, fl, dl, buf, n);
      if (rc == SW_ERR_OUTBOX_FULL) put("\"error\":\"ERR_OUTBOX_FULL\"");
      else if (rc == SW_ERR_TOO_LARGE) put("\"error\":\"ERR_MESSAGE_TOO_LARGE\"");
      else if (rc < 0) put("\"error\":\"?\"");
      else putf_u("ticket", (unsigned)rc);
      put(",");
    } else if (json_streq(j, op, "poll")) {
      int fromA = json_streq(j, json_get(j, st, "who"), "A");
      int idx = fromA ? na : 32 + nb;
      uint8_t *p = dg[idx < 64 ? idx : 63]; size_t n = 0; int asks;
      if (fromA) { if (sw_tx_due(&A)) n = sw_tx_build(&A, now, p, room, &asks); }
      else if (scripted) { int pt = json_get(j, st, "plaintext"); n = pt >= 0 && !json_is_null(j, pt) ? json_hex(j, pt, p, 700) : 0; }
      else if (sw_rx_ack_due(&B, now)) n = sw_rx_build_ack(&B, now, p, room);
      if (n == 0) put("\"datagram\":null,");
      else {
        char name[16]; snprintf(name, sizeof name, "\"%c%d\",", fromA ? 'A' : 'B', (fromA ? na : nb) + 1);
        put("\"datagram\":"); put(name); put_hex("plaintext", p, n); put(","); put_frames(p, n); put(",");
        dn[idx < 64 ? idx : 63] = n;
        if (fromA) na++; else nb++;
      }
    } else if (json_streq(j, op, "deliver")) {
      char name[8]; json_str(j, json_get(j, st, "datagram"), name, sizeof name);
      int idx = atoi(name + 1) - 1 + (name[0] == 'B' ? 32 : 0);
      if (idx < 0 || idx > 63) idx = 63;
      size_t off = 0; sw_frame f;
      while (sw_frame_next(dg[idx], dn[idx], &off, &f) > 0) {
        if (name[0] == 'A') { if (scripted) continue; if (f.type == SW_F_MSG) sw_rx_on_msg(&B, now, &f, &cb); else if (f.type == SW_F_FORWARD) sw_rx_on_forward(&B, now, f.a, &cb); }
        else if (f.type == SW_F_ACK) sw_tx_on_ack(&A, now, &f, &cb);
      }
      put("\"delivered\":["); put(evd); put("],\"events\":["); put(evf); put("],");
    } else if (json_streq(j, op, "tick")) {
      if (json_streq(j, json_get(j, st, "who"), "A")) sw_tx_tick(&A, now, &cb);
      put("\"events\":["); put(evf); put("],");
    } else if (json_streq(j, op, "reachable")) A.reachable = (uint8_t)json_int(j, json_get(j, st, "reachable"));
    else if (json_streq(j, op, "echoed")) sw_tx_end_backoff(&A);
    put_sender(&A, now);
    put("}");
  }
  put("]");
}

/* ---- frames.decode / frames.encode: a plaintext of reliability frames alone (14.2), as the
 * library reads them and writes them (sw_msg_put, sw_ack_put, sw_forward_put, sw_sleep_put) ---- */
static int rel_only(const uint8_t *pt, size_t n) {
  size_t off = 0; sw_frame f; int rc;
  if (sw_frames_check(pt, n) != 0) return 0;
  while ((rc = sw_frame_next(pt, n, &off, &f)) > 0)
    if (f.type != SW_F_MSG && f.type != SW_F_ACK && f.type != SW_F_FORWARD && f.type != SW_F_SLEEP) return 0;
  return rc == 0;
}

static size_t frames_encode(const json *j, int arr, uint8_t *p) {
  static uint8_t data[70000]; static uint32_t rs[255], re[255];
  size_t o = 0;
  for (int k = 0; k < j->t[arr].size; k++) {
    int f = json_child(j, arr, k), ty = json_get(j, f, "type");
#define F(key) ((uint32_t)json_int(j, json_get(j, f, key)))
    if (json_streq(j, ty, "MSG")) {
      int fr = json_get(j, f, "frag"); uint8_t fl = 0;
      if (json_get(j, f, "id") >= 0) fl |= SW_MSG_R;
      if (json_get(j, f, "prev") >= 0) fl |= SW_MSG_O;
      if (fr >= 0) fl |= SW_MSG_F;
      size_t n = json_hex(j, json_get(j, f, "data"), data, sizeof data);
      uint32_t fi = fr >= 0 ? (uint32_t)json_int(j, json_get(j, fr, "index")) : 0, fc = fr >= 0 ? (uint32_t)json_int(j, json_get(j, fr, "count")) : 0;
      uint32_t ft = fr >= 0 ? (uint32_t)json_int(j, json_get(j, fr, "total")) : 0;
      o += sw_msg_put(p + o, fl, (uint8_t)F("channel"), fl & SW_MSG_R ? F("id") : 0, fl & SW_MSG_O ? F("prev") : 0, fi, fc, ft, data, n, k == j->t[arr].size - 1);
    } else if (json_streq(j, ty, "ACK")) {
      int rg = json_get(j, f, "ranges"), nr = j->t[rg].size > 255 ? 255 : j->t[rg].size;
      for (int i = 0; i < nr; i++) { int e = json_child(j, rg, i); rs[i] = (uint32_t)json_int(j, json_get(j, e, "start")); re[i] = (uint32_t)json_int(j, json_get(j, e, "end")); }
      o += sw_ack_put(p + o, F("cum"), (uint16_t)F("window"), (uint16_t)F("delay"), rs, re, (uint8_t)nr);
    } else if (json_streq(j, ty, "FORWARD")) o += sw_forward_put(p + o, F("floor"));
    else if (json_streq(j, ty, "SLEEP")) o += sw_sleep_put(p + o, F("wakeIntervalMs"), F("awakeMs"));
#undef F
  }
  return o;
}

/* ---- cookies (6.6): the messages as a device parses them, and its sender's table ---- */
static int cookie_first;
static void cookie_step(void *u, const uint8_t *echo, size_t n, int rc) {
  (void)u;
  put(cookie_first ? "{" : ",{"); cookie_first = 0;
  if (echo) put_hex("echo", echo, n); else { put("\"drop\":\""); put(sw_reason_name(rc)); put("\""); }
  put("}");
}

int sw_adapter_budget(char *buf, size_t cap);   /* test/budget.c */

/* Writes the reply's fields; returns 0 if the operation is not supported. */
static int answer(const json *j, int r) {
  int op = G("op");
  char s[80], t[80];
  if (json_streq(j, op, "hmac")) {
    size_t kn = json_hex(j, G("key"), A, sizeof A), mn = json_hex(j, G("msg"), B, sizeof B); uint8_t tag[64];
    sw_iov m = {B, mn}; sw_crypto_hmac(tag, A, kn, &m, 1); put_hex("tag", tag, 64);
  } else if (json_streq(j, op, "hkdf")) {
    size_t in = json_hex(j, G("ikm"), A, sizeof A), sn = json_hex(j, G("salt"), B, sizeof B), fn = json_hex(j, G("info"), C, sizeof C);
    size_t L = (size_t)I("size"); uint8_t prk[64], okm[8160];
    if (L > sizeof okm) L = sizeof okm;
    sw_hkdf(okm, L, B, sn, A, in, C, fn, prk); put_hex("prk", prk, 64); put(","); put_hex("okm", okm, L);
  } else if (json_streq(j, op, "secretbox.seal") || json_streq(j, op, "secretbox.open")) {
    uint8_t k[32], nonce[24]; json_hex(j, G("key"), k, 32); json_hex(j, G("nonce"), nonce, 24);
    if (json_streq(j, op, "secretbox.seal")) { size_t mn = json_hex(j, G("msg"), A, sizeof A); sw_crypto_seal(B, A, mn, nonce, k); put_hex("box", B, mn + 16); }
    else { size_t bn = json_hex(j, G("box"), A, sizeof A); if (bn >= 16 && sw_crypto_open(B, A, bn, nonce, k) == 0) put_hex("msg", B, bn - 16); else put("\"msg\":null"); }
  } else if (json_streq(j, op, "key.device")) {
    uint8_t sk[32], dk[32]; size_t n = hex_id(j, r, "deviceIdHex", s, sizeof s); json_hex(j, G("siteKey"), sk, 32);
    if (sw_device_key(dk, sk, s, n, (uint8_t)I("gen")) == 0) put_hex("deviceKey", dk, 32); else put("\"refused\":true");
  } else if (json_streq(j, op, "key.traffic")) {
    uint8_t pk[32], tk[32], boot[8]; size_t sn = hex_id(j, r, "senderHex", s, sizeof s), rn = hex_id(j, r, "receiverHex", t, sizeof t);
    json_hex(j, G("pairKey"), pk, 32); json_hex(j, G("boot"), boot, 8);
    if (sw_traffic_key(tk, pk, s, sn, t, rn, (uint32_t)I("epoch"), boot) == 0) put_hex("trafficKey", tk, 32); else put("\"refused\":true");
  } else if (json_streq(j, op, "seal")) {
    uint8_t pk[32], tk[32], boot[8];
    size_t sn = json_str(j, G("sender"), s, sizeof s), rn = json_str(j, G("receiver"), t, sizeof t);
    json_hex(j, G("pairKey"), pk, 32); json_hex(j, G("boot"), boot, 8);
    size_t pn = json_hex(j, G("plaintext"), A, sizeof A);
    sw_seal_params sp = {s, (uint8_t)sn, t, (uint8_t)rn, (uint8_t)I("gen"), (uint32_t)I("epoch"), (uint32_t)I("counter"), boot, 0};
    int shortf = json_streq(j, G("form"), "SHORT"), bad_index = shortf && I("index") == 0;
    if (shortf) sp.index = (uint32_t)I("index");
    int rc = bad_index ? SW_ERR_INVALID : sw_traffic_key(tk, pk, s, sn, t, rn, sp.epoch, boot);
    if (rc == 0) rc = sw_seal(B, sizeof B, &sp, tk, A, pn);
    if (rc > 0) put_hex("datagram", B, (size_t)rc); else put("\"refused\":true");
  } else if (json_streq(j, op, "open")) do_open(j, r);
  else if (json_streq(j, op, "window.run")) window_run(j, r, 0);
  else if (json_streq(j, op, "epoch.run")) window_run(j, r, 1);
  else if (json_streq(j, op, "rel.device.run")) rel_device_run(j, r);
  else if (json_streq(j, op, "frames.decode")) {
    size_t n = json_hex(j, G("plaintext"), A, sizeof A);
    if (rel_only(A, n)) put_frames(A, n); else put("\"invalid\":true");
  } else if (json_streq(j, op, "frames.encode")) { size_t n = frames_encode(j, G("frames"), B); put_hex("plaintext", B, n); }
  else if (json_streq(j, op, "cookie.parse")) {
    size_t n = json_hex(j, G("message"), A, sizeof A); sw_cookie_msg c;
    int rc = sw_cookie_parse(A, n, (size_t)I("maxDatagram"), &c);
    if (rc != SW_OK) { put("\"drop\":\""); put(sw_reason_name(rc)); put("\""); }
    else if (c.type == 0x03) { put("\"parsed\":{\"type\":\"COOKIE\","); put_hex("echo", c.echo, 16); put(","); put_hex("cookie", c.cookie, 16); put("}"); }
    else { put("\"parsed\":{\"type\":\"COOKIE_ECHO\","); put_hex("cookie", c.cookie, 16); put(","); put_hex("inner", c.inner, c.inner_len); put("}"); }
  } else if (json_streq(j, op, "cookie.match")) {
    put("\"steps\":["); cookie_first = 1;
    sw_test_cookie_match(j, r, r, cookie_step, NULL);   /* a pendingSize out of range: no steps, a failure */
    put("]");
  }
  else if (json_streq(j, op, "op.decode")) {
    size_t n = json_hex(j, G("encoded"), A, sizeof A); sw_op o;
    if (sw_op_decode(A, n, &o) == 0) put_op(&o); else put("\"dropped\":true");
  } else if (json_streq(j, op, "op.encode")) {
    static uint8_t store[200000]; sw_op o; op_from_json(j, G("operation"), &o, store);
    int m = sw_op_encode(A, sizeof A, &o);
    if (m >= 0) put_hex("encoded", A, (size_t)m); else put("\"refused\":true");
  } else if (json_streq(j, op, "budget")) { char b[400]; sw_adapter_budget(b, sizeof b); put(b); }   /* test/budget.c */
  else return 0;
  return 1;
}

int main(void) {
  static jtok toks[200000]; char *line = NULL; size_t cap = 0; ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    json J, *j = &J; on = 0;
    if (json_parse(j, line, (size_t)len, toks, (int)(sizeof toks / sizeof toks[0])) < 0) { printf("{\"error\":\"bad JSON\"}\n"); continue; }
    put("{"); putf_u("id", (unsigned long long)json_int(j, json_get(j, 0, "id"))); put(",");
    size_t mark = on;
    if (!answer(j, 0)) { on = mark; put("\"unsupported\":true"); }
    put("}\n");
    fwrite(out, 1, on, stdout);
    fflush(stdout);   /* a caller may wait for this reply before it writes the next request */
  }
  free(line);
  return 0;
}
