/* The message layer of a device (spec 15, 16): SYNC with its limits and subscriptions, SUBSCRIBE,
 * publications at QoS 0/1/2 (QoS 2 deduplicated by (publisher, PUB_ID), [SW-15.6-2]), and RPC: a
 * responder with handlers and a small result cache (at most once, [SW-16.3-1]), and a caller. */
#include <string.h>
#include "internal.h"

#define DEDUPE_WINDOW 300000u

uint32_t swi_hash(const uint8_t *p, size_t len) {      /* FNV-1a, for the keys of small tables */
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static int send_op(sw_node *n, uint8_t ch, uint8_t flags, const sw_op *op) {
  uint8_t buf[SW_SEND_MAX + 64];
  int len = sw_op_encode(buf, sizeof buf, op);
  if (len < 0) return SW_ERR_TOO_LARGE;
  return sw_tx_send(&n->tx, n->now, ch, flags, n->now + SW_DEFAULT_DEADLINE, buf, (size_t)len);
}

static sw_str cstr(const char *s) { sw_str x = {(const uint8_t *)s, (uint32_t)strlen(s)}; return x; }

int swi_send_sync(sw_node *n) {                        /* [SW-15.5-2], [SW-15.5-8] */
  uint8_t list[SW_SUB_BYTES + 3 * SW_MAX_SUBS];
  size_t o = 0, at = 0;
  for (int k = 0; k < n->nsubs; k++) {
    list[o++] = n->sub_qos[k];
    o += sw_uvar_put(list + o, n->sub_len[k]);
    memcpy(list + o, n->subs + at, n->sub_len[k]); o += n->sub_len[k]; at += n->sub_len[k];
  }
  sw_op op = {0};
  op.op = SW_OP_SYNC; op.req = ++n->req;
  op.max_datagram = SW_MAX_DATAGRAM; op.max_message = SW_MAX_MESSAGE; op.max_aliases = 0; op.window = SW_WINDOW;
  op.n = n->nsubs; op.list.p = list; op.list.n = (uint32_t)o;
  int rc = send_op(n, SW_CONTROL_CHANNEL, SW_MSG_O | SW_SEND_CONTROL, &op);
  n->need_sync = rc < 0;
  if (rc > 0) n->sync_ticket = (uint16_t)rc;
  return rc < 0 ? rc : 0;
}

void swi_on_receipt(sw_node *n, uint16_t ticket, int ok) {
  if (!ok && ticket == n->sync_ticket) n->need_sync = 1;   /* [SW-15.5-5]: again when reachable */
  sw_event ev = {0}; ev.type = SW_EV_RECEIPT; ev.ticket = ticket; ev.ok = ok; swi_emit(n, &ev);
}

int sw_subscribe(sw_node *n, uint32_t now, const char *filter, uint8_t qos) {
  size_t len = strlen(filter);
  n->now = now;
  if (qos > 2 || !sw_topic_valid((const uint8_t *)filter, len, 1)) return SW_ERR_INVALID;
  if (n->nsubs >= SW_MAX_SUBS || n->sub_used + len > SW_SUB_BYTES) return SW_ERR_TOO_LARGE;
  memcpy(n->subs + n->sub_used, filter, len);
  n->sub_len[n->nsubs] = (uint8_t)len; n->sub_qos[n->nsubs++] = qos; n->sub_used = (uint16_t)(n->sub_used + len);
  uint8_t list[300]; size_t o = 0;
  list[o++] = qos; o += sw_uvar_put(list + o, (uint32_t)len); memcpy(list + o, filter, len); o += len;
  sw_op op = {0};
  op.op = SW_OP_SUBSCRIBE; op.req = ++n->req; op.n = 1; op.list.p = list; op.list.n = (uint32_t)o;
  int rc = send_op(n, SW_CONTROL_CHANNEL, SW_MSG_O, &op);
  return rc < 0 ? rc : 0;
}

int sw_publish(sw_node *n, uint32_t now, const char *topic, const uint8_t *p, size_t len, uint8_t qos, int retain) {
  sw_op op = {0};
  n->now = now;
  op.op = SW_OP_PUBLISH; op.qos = qos; op.topic = cstr(topic); op.body.p = p; op.body.n = (uint32_t)len;
  if (qos > 2 || !sw_topic_valid(op.topic.p, op.topic.n, 0)) return SW_ERR_INVALID;   /* [SW-15.3-4] */
  op.flags = (uint8_t)(SW_PUB_TOPIC | (retain ? SW_PUB_RETAIN : 0));
  if (qos == 2) op.id = (uint64_t)n->epoch << 32 | ++n->pub_n;                      /* [SW-15.6-1] */
  return send_op(n, SW_PUBLISH_CHANNEL, qos ? SW_MSG_O : SW_SEND_UNRELIABLE, &op);
}

int sw_serve(sw_node *n, const char *method, sw_handler_fn fn) {
  if (n->nhandlers >= SW_RPC_HANDLERS) return SW_ERR_TOO_LARGE;
  n->handlers[n->nhandlers].method = method; n->handlers[n->nhandlers++].fn = fn;
  return 0;
}

int sw_call(sw_node *n, uint32_t now, const char *to, const char *method, const uint8_t *params, size_t len,
            uint32_t timeout_ms, uint64_t *call_id) {
  sw_op op = {0}; int slot = -1;
  n->now = now;
  if (n->reachable == 2) return SW_ERR_UNREACHABLE;                                   /* [SW-16.1-3] */
  for (int k = 0; k < SW_CALLS; k++) if (!n->calls[k].used) { slot = k; break; }
  if (slot < 0) return SW_ERR_BUSY;
  op.op = SW_OP_CALL; op.id = (uint64_t)n->epoch << 32 | ++n->call_n; op.timeout = timeout_ms;
  op.to = cstr(to); op.method = cstr(method); op.body.p = params; op.body.n = (uint32_t)len;
  if (!sw_id_valid(to, op.to.n) || !op.method.n || op.method.n > 64 || !sw_utf8_valid(op.method.p, op.method.n)) return SW_ERR_INVALID;
  int rc = send_op(n, SW_RPC_CHANNEL, 0, &op);
  if (rc < 0) return rc;
  n->calls[slot].used = 1; n->calls[slot].id = op.id; n->calls[slot].deadline = now + timeout_ms;
  if (call_id) *call_id = op.id;
  return 0;
}

/* After our epoch renewed (a STALE answer), queued QoS 2 publications and calls get ids of the new
 * epoch: ids of the wiped start may repeat ones of an earlier life the hub still remembers
 * ([SW-15.6-4], [SW-16.1-5]). */
void swi_renew_ids(sw_node *n) {
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) {
    sw_rel_msg *m = &n->tx.m[i]; sw_op op;
    if (!(m->flags & 0x80) || sw_op_decode(n->tx.buf + m->off, m->len, &op)) continue;
    uint8_t *at; uint64_t id;
    if (op.op == SW_OP_PUBLISH && op.qos == 2) { at = (uint8_t *)op.body.p - 8 - ((op.flags & SW_PUB_REF) ? 2 : 0); id = (uint64_t)n->epoch << 32 | ++n->pub_n; }
    else if (op.op == SW_OP_CALL) {
      at = n->tx.buf + m->off + 1; id = (uint64_t)n->epoch << 32 | ++n->call_n;
      for (int k = 0; k < SW_CALLS; k++) if (n->calls[k].used && n->calls[k].id == op.id) n->calls[k].id = id;
    } else continue;
    for (int b = 0; b < 8; b++) at[b] = (uint8_t)(id >> (56 - 8 * b));
  }
}

void swi_tick(sw_node *n, uint32_t now) {
  for (int k = 0; k < SW_CALLS; k++) {
    if (!n->calls[k].used || (int32_t)(now - n->calls[k].deadline) < 0) continue;
    n->calls[k].used = 0;
    sw_event ev = {0}; ev.type = SW_EV_RESULT; ev.id = n->calls[k].id; ev.outcome = 5; swi_emit(n, &ev);
  }
}

uint32_t swi_next_deadline(const sw_node *n, uint32_t best) {
  for (int k = 0; k < SW_CALLS; k++)
    if (n->calls[k].used && (best == SW_NONE || (int32_t)(n->calls[k].deadline - best) < 0)) best = n->calls[k].deadline;
  return best;
}

static int dedupe(sw_node *n, const sw_op *op) {       /* [SW-15.6-2]: 1 if seen */
  uint32_t h = op->from.n ? swi_hash(op->from.p, op->from.n) : 0;
  for (int k = 0; k < SW_DEDUPE; k++)
    if (n->dd[k].pub_id == op->id && n->dd[k].pub_hash == h && n->now - n->dd[k].at < DEDUPE_WINDOW) return 1;
  n->dd[n->dd_next].pub_id = op->id; n->dd[n->dd_next].pub_hash = h; n->dd[n->dd_next].at = n->now;
  n->dd_next = (uint8_t)((n->dd_next + 1) % SW_DEDUPE);
  return 0;
}

static void send_result(sw_node *n, uint64_t id, sw_str to, uint8_t outcome, const uint8_t *body, size_t len) {
  sw_op r = {0};
  r.op = SW_OP_RESULT; r.id = id; r.to = to; r.outcome = outcome; r.body.p = body; r.body.n = (uint32_t)len;
  send_op(n, SW_RPC_CHANNEL, 0, &r);
}

/* RemoteError's BODY: {"code": code, "message": message} in MessagePack. */
static size_t remote_error(uint8_t *b, const char *code, const char *msg) {
  size_t o = 0, cl = strlen(code), ml = strlen(msg);
  b[o++] = 0x82;
  b[o++] = 0xa4; memcpy(b + o, "code", 4); o += 4; b[o++] = (uint8_t)(0xa0 | cl); memcpy(b + o, code, cl); o += cl;
  b[o++] = 0xa7; memcpy(b + o, "message", 7); o += 7; b[o++] = (uint8_t)(0xa0 | ml); memcpy(b + o, msg, ml); o += ml;
  return o;
}

static void on_call(sw_node *n, const sw_op *op) {     /* 16.1, 16.3 */
  if (op->to.n && !(op->to.n == n->id_len && !memcmp(op->to.p, n->cfg.id, n->id_len))) return;  /* [SW-16.1-4] */
  uint32_t h = op->from.n ? swi_hash(op->from.p, op->from.n) : 0;
  uint8_t body[SW_SEND_MAX - 64];
  for (int k = 0; k < SW_RPC_CACHE; k++) {
    sw_rpc_entry *e = &n->cache[k];
    if (!e->used || e->call_id != op->id || e->from_hash != h) continue;
    if (e->len == 0xff) send_result(n, op->id, op->from, 3, body, remote_error(body, "busy", "result not cached"));
    else send_result(n, op->id, op->from, e->outcome, e->body, e->len);
    return;
  }
  sw_handler_fn fn = NULL;
  for (int k = 0; k < n->nhandlers; k++)
    if (strlen(n->handlers[k].method) == op->method.n && !memcmp(n->handlers[k].method, op->method.p, op->method.n)) fn = n->handlers[k].fn;
  if (!fn) { send_result(n, op->id, op->from, 1, NULL, 0); return; }                 /* NoResponder, not cached */
  if (!sw_msgpack_valid(op->body.p, op->body.n)) { send_result(n, op->id, op->from, 3, body, remote_error(body, "bad-params", "params do not decode")); return; }
  sw_str caller = op->from.n ? op->from : cstr(n->cfg.hub);
  int len = fn(n, &op->body, &caller, body, sizeof body);
  uint8_t outcome = 0;
  if (len < 0) { outcome = 3; len = (int)remote_error(body, "error", "handler failed"); }
  else if (!sw_msgpack_valid(body, (size_t)len)) { outcome = 3; len = (int)remote_error(body, "bad-result", "result does not encode"); }
  sw_rpc_entry *e = &n->cache[n->cache_next];                                         /* oldest completion evicted */
  n->cache_next = (uint8_t)((n->cache_next + 1) % SW_RPC_CACHE);
  e->used = 1; e->call_id = op->id; e->from_hash = h; e->outcome = outcome;
  if (len <= SW_RPC_CACHE_BODY) { e->len = (uint8_t)len; memcpy(e->body, body, (size_t)len); } else e->len = 0xff;
  send_result(n, op->id, op->from, outcome, body, (size_t)len);
}

void swi_on_message(sw_node *n, uint8_t ch, const uint8_t *d, size_t len) {
  sw_op op; sw_event ev = {0};
  if (sw_op_decode(d, len, &op)) { n->drops[SW_DROP_OP]++; return; }                  /* [SW-15.3-6] */
  uint8_t want = op.op == SW_OP_PUBLISH ? SW_PUBLISH_CHANNEL : op.op >= SW_OP_CALL ? SW_RPC_CHANNEL : SW_CONTROL_CHANNEL;
  if (ch != want) { n->drops[SW_DROP_OP]++; return; }
  switch (op.op) {
  case SW_OP_PUBLISH: {
    if ((op.flags & SW_PUB_ALIAS) || !(op.flags & SW_PUB_TOPIC)) { n->drops[SW_DROP_OP]++; return; }  /* we keep no aliases */
    if (op.qos == 2 && dedupe(n, &op)) return;
    size_t at = 0;
    for (int k = 0; k < n->nsubs; k++) {                                             /* one copy per subscription */
      if (sw_topic_match(n->subs + at, n->sub_len[k], op.topic.p, op.topic.n)) {
        ev.type = SW_EV_MESSAGE; ev.topic = op.topic; ev.payload = op.body; ev.from = op.from;
        ev.qos = op.qos < n->sub_qos[k] ? op.qos : n->sub_qos[k]; ev.retain = (op.flags & SW_PUB_RETAIN) != 0;
        swi_emit(n, &ev);
      }
      at += n->sub_len[k];
    }
    break;
  }
  case SW_OP_SUBACK: ev.type = SW_EV_SUBACK; ev.value = op.req; swi_emit(n, &ev); break;
  case SW_OP_CALL: on_call(n, &op); break;
  case SW_OP_RESULT:
    for (int k = 0; k < SW_CALLS; k++) {
      if (!n->calls[k].used || n->calls[k].id != op.id) continue;
      n->calls[k].used = 0;
      ev.type = SW_EV_RESULT; ev.id = op.id; ev.outcome = op.outcome; ev.payload = op.body; swi_emit(n, &ev);
    }
    break;
  default: break;   /* UNSUBACK, CALLACK, PUBNACK (we give no REF), ALIAS (we keep none): nothing to do */
  }
}
