/* Vector checks of the frame codec of 14.2 (reliability.json, RelFrameTest) and of the operations of
 * 15.3 (message_ops.json): decode to what the vector says, encode back to its bytes, drop the invalid. */
#include <stdlib.h>
#include "common.h"

#define FOR_TESTS(j, g, t) for (int gi = 0, gs = json_get(j, 0, "testGroups"); gi < j->t[gs].size; gi++) \
  for (int g = json_child(j, gs, gi), ti = 0, ts = json_get(j, g, "tests"); ti < j->t[ts].size; ti++) \
    for (int t = json_child(j, ts, ti), once = 1; once; once = 0)
#define TC(t) json_int(j, json_get(j, t, "tcId"))
#define VALID(t) json_streq(j, json_get(j, t, "result"), "valid")

/* Re-encodes decoded frames with this implementation's writers (MSG through sw_msg_put). */
static size_t reencode(const uint8_t *pt, size_t n, uint8_t *out) {
  size_t off = 0, o = 0, prev;
  sw_frame f;
  while (prev = off, sw_frame_next(pt, n, &off, &f) > 0) {
    if (f.type == SW_F_MSG) o += sw_msg_put(out + o, f.flags, f.channel, f.a, f.b, f.c, f.d, f.total, f.data, f.len, off == n);
    else { memcpy(out + o, pt + prev, off - prev); o += off - prev; }
  }
  return o;
}

void run_relframes(const char *dir, tally *tl) {
  json J, *j = &J; static uint8_t pt[70000], re[70000]; static char a[200000], b[200000];
  if (load(dir, "reliability.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    if (!json_streq(j, json_get(j, g, "type"), "RelFrameTest")) continue;
    size_t n = json_hex(j, json_get(j, t, "plaintext"), pt, sizeof pt);
    int ok = sw_frames_check(pt, n) == 0;
    if (VALID(t)) {
      if (ok) { fmt_frames_c(a, sizeof a, pt, n); fmt_frames_json(b, sizeof b, j, json_get(j, t, "frames")); ok = !strcmp(a, b); }
      if (ok) ok = reencode(pt, n, re) == n && !memcmp(re, pt, n);
      CHECK(tl, ok, TC(t), "frames: %s", a);
    } else CHECK(tl, !ok, TC(t), "frames must be refused");
  }
}

static size_t jstr(const json *j, int t, const char *k, uint8_t *out, size_t cap) { return json_str(j, json_get(j, t, k), (char *)out, cap); }

/* The operation a vector describes, with its strings and list written into store. */
void op_from_json(const json *j, int o, sw_op *op, uint8_t *store) {
  uint8_t *s = store;
  memset(op, 0, sizeof *op);
#define STR(field, key) do { op->field.n = (uint32_t)jstr(j, o, key, s, 4096); op->field.p = s; s += op->field.n + 1; } while (0)
#define HEX(field, key) do { op->field.n = (uint32_t)json_hex(j, json_get(j, o, key), s, 65536); op->field.p = s; s += op->field.n + 1; } while (0)
#define INT(key) ((uint32_t)json_int(j, json_get(j, o, key)))
  int name = json_get(j, o, "op");
  static const char *names[] = {"", "", "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "SYNC", "WILL", "ALIAS", "PUBNACK"};
  for (int k = 2; k < 10; k++) if (json_streq(j, name, names[k])) op->op = (uint8_t)k;
  if (json_streq(j, name, "CALL")) op->op = SW_OP_CALL;
  if (json_streq(j, name, "CALLACK")) op->op = SW_OP_CALLACK;
  if (json_streq(j, name, "RESULT")) op->op = SW_OP_RESULT;
  if (json_streq(j, name, "PUBLISH")) {
    op->op = SW_OP_PUBLISH; op->qos = (uint8_t)INT("qos");
    if (INT("retain") == 1) op->flags |= SW_PUB_RETAIN;
    if (json_get(j, o, "alias") >= 0) { op->flags |= SW_PUB_ALIAS; op->alias = INT("alias"); }
    if (json_get(j, o, "topic") >= 0) { op->flags |= SW_PUB_TOPIC; STR(topic, "topic"); }
    if (json_get(j, o, "from") >= 0) { op->flags |= SW_PUB_FROM; STR(from, "from"); }
    if (json_get(j, o, "pubId") >= 0) op->id = (uint64_t)json_int(j, json_get(j, o, "pubId"));
    if (json_get(j, o, "ref") >= 0) { op->flags |= SW_PUB_REF; op->ref = (uint16_t)INT("ref"); }
    HEX(body, "payload");
    return;
  }
  if (json_get(j, o, "req") >= 0) op->req = (uint16_t)INT("req");
  switch (op->op) {
  case SW_OP_SUBSCRIBE: case SW_OP_UNSUBSCRIBE: case SW_OP_SYNC: case SW_OP_SUBACK: {
    int arr = json_get(j, o, op->op == SW_OP_SUBACK ? "codes" : "filters");
    uint8_t *l = s;
    for (int k = 0; k < j->t[arr].size; k++) {
      int e = json_child(j, arr, k);
      if (op->op == SW_OP_SUBACK) { *l++ = (uint8_t)json_int(j, e); continue; }
      if (op->op != SW_OP_UNSUBSCRIBE) *l++ = (uint8_t)json_int(j, json_get(j, e, "qos"));
      uint8_t tmp[1024]; size_t n = json_str(j, op->op == SW_OP_UNSUBSCRIBE ? e : json_get(j, e, "filter"), (char *)tmp, sizeof tmp);
      l += sw_uvar_put(l, (uint32_t)n); memcpy(l, tmp, n); l += n;
    }
    op->list.p = s; op->list.n = (uint32_t)(l - s); op->n = (uint16_t)j->t[arr].size; s = l;
    if (op->op == SW_OP_SYNC) {
      int lim = json_get(j, o, "limits");
      op->max_datagram = (uint32_t)json_int(j, json_get(j, lim, "maxDatagram")); op->max_message = (uint32_t)json_int(j, json_get(j, lim, "maxMessage"));
      op->max_aliases = (uint32_t)json_int(j, json_get(j, lim, "maxAliases")); op->window = (uint32_t)json_int(j, json_get(j, lim, "window"));
    }
    break;
  }
  case SW_OP_WILL: op->qos = (uint8_t)INT("qos"); op->flags = (uint8_t)(op->qos | (INT("retain") == 1 ? 4 : 0)); STR(topic, "topic"); HEX(body, "payload"); break;
  case SW_OP_ALIAS: op->alias = INT("alias"); STR(topic, "topic"); break;
  case SW_OP_PUBNACK: op->ref = (uint16_t)INT("ref"); op->outcome = (uint8_t)INT("reason"); break;
  case SW_OP_CALL: op->id = (uint64_t)json_int(j, json_get(j, o, "callId")); op->timeout = INT("timeoutMs"); STR(to, "to"); STR(from, "from"); STR(method, "method"); HEX(body, "params"); break;
  case SW_OP_CALLACK: op->id = (uint64_t)json_int(j, json_get(j, o, "callId")); STR(to, "to"); break;
  case SW_OP_RESULT: op->id = (uint64_t)json_int(j, json_get(j, o, "callId")); STR(to, "to"); op->outcome = (uint8_t)INT("outcome"); HEX(body, "body"); break;
  }
}

static int str_eq(sw_str a, sw_str b) { return a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n)); }

static int op_eq(const sw_op *a, const sw_op *b) {
  return a->op == b->op && a->flags == b->flags && a->qos == b->qos && a->outcome == b->outcome && a->req == b->req &&
         a->ref == b->ref && a->n == b->n && a->alias == b->alias && a->timeout == b->timeout && a->max_datagram == b->max_datagram &&
         a->max_message == b->max_message && a->max_aliases == b->max_aliases && a->window == b->window && a->id == b->id &&
         str_eq(a->topic, b->topic) && str_eq(a->from, b->from) && str_eq(a->to, b->to) && str_eq(a->method, b->method) &&
         str_eq(a->body, b->body) && str_eq(a->list, b->list);
}

void run_ops(const char *dir, tally *tl) {
  json J, *j = &J; static uint8_t enc[70000], out[70000], store[200000];
  if (load(dir, "message_ops.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    size_t n = json_hex(j, json_get(j, t, "encoded"), enc, sizeof enc);
    sw_op dec, want;
    int rc = sw_op_decode(enc, n, &dec);
    if (VALID(t)) {
      op_from_json(j, json_get(j, t, "operation"), &want, store);
      int m = sw_op_encode(out, sizeof out, &want);
      CHECK(tl, rc == 0 && op_eq(&dec, &want) && m == (int)n && !memcmp(out, enc, n), TC(t), "op: decode %d eq %d encode %d", rc, rc == 0 && op_eq(&dec, &want), m);
    } else CHECK(tl, rc != 0, TC(t), "op must be dropped");
  }
}
