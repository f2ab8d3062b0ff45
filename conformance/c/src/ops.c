/* Operations of the message layer (15.3), topic syntax and matching (15.1, 15.2), and a MessagePack
 * validator (16.1). The decoder checks the bounds of the bytes only ([SW-15.3-6]); what depends on
 * state (aliases held, FROM only from the hub, the channel) is the node's. */
#include <string.h>
#include "../saltwire.h"

int sw_utf8_valid(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    uint8_t c = p[i];
    if (c == 0) return 0;                             /* U+0000 is refused in every string here */
    if (c < 0x80) { i++; continue; }
    int k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc2 ? 1 : -1;
    if (k < 0 || c > 0xf4 || n - i <= (size_t)k) return 0;
    uint32_t cp = c & (0x3f >> k);
    for (int j = 1; j <= k; j++) { if ((p[i + j] & 0xc0) != 0x80) return 0; cp = cp << 6 | (p[i + j] & 0x3f); }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    i += (size_t)k + 1;
  }
  return 1;
}

int sw_topic_valid(const uint8_t *p, size_t n, int filter) {
  if (n < 1 || n > 256 || !sw_utf8_valid(p, n)) return 0;
  int levels = 1;
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '/') { if (++levels > 32) return 0; continue; }
    if (p[i] != '+' && p[i] != '#') continue;
    if (!filter) return 0;
    if ((i > 0 && p[i - 1] != '/') || (i + 1 < n && p[i + 1] != '/')) return 0;   /* a whole level */
    if (p[i] == '#' && i + 1 != n) return 0;                                       /* the last one */
  }
  return 1;
}

/* 15.2's algorithm, level by level; [SW-15.2-3] for topics starting with '$'. */
int sw_topic_match(const uint8_t *f, size_t fn, const uint8_t *t, size_t tn) {
  size_t i = 0, j = 0;
  if (tn && t[0] == '$' && fn && (f[0] == '+' || f[0] == '#')) return 0;
  for (;;) {
    size_t fe = i; while (fe < fn && f[fe] != '/') fe++;
    if (fe - i == 1 && f[i] == '#') return 1;
    if (j > tn) return 0;                                   /* the topic has no level here */
    size_t te = j; while (te < tn && t[te] != '/') te++;
    if (!(fe - i == 1 && f[i] == '+') && (fe - i != te - j || memcmp(f + i, t + j, fe - i))) return 0;
    int fend = fe >= fn, tend = te >= tn;
    if (fend || tend) {
      if (fend && tend) return 1;
      if (tend && !fend) {                                  /* a/# matches a */
        size_t k = fe + 1;
        return k + 1 == fn && f[k] == '#';
      }
      return 0;
    }
    i = fe + 1; j = te + 1;
  }
}

/* One MessagePack value filling p exactly (the empty string is nil, [SW-16.1-1]); no ext types. */
int sw_msgpack_valid(const uint8_t *p, size_t n) {
  size_t i = 0; uint64_t want = 1;
  if (n == 0) return 1;
  while (want) {
    if (i >= n) return 0;
    uint8_t c = p[i++]; uint64_t len = 0, items = 0;
    want--;
    if (c <= 0x7f || c >= 0xe0 || (c >= 0xc0 && c <= 0xc3)) { if (c == 0xc1) return 0; continue; }
    if (c >= 0xa0 && c <= 0xbf) len = c & 31;
    else if (c >= 0x90 && c <= 0x9f) items = c & 15;
    else if (c >= 0x80 && c <= 0x8f) items = 2u * (c & 15);
    else {
      if (c >= 0xca && c <= 0xd3) {                         /* floats, uints, ints */
        static const uint8_t width[] = {4, 8, 1, 2, 4, 8, 1, 2, 4, 8};
        size_t k = width[c - 0xca];
        if (n - i < k) return 0;
        i += k;
        continue;
      }
      int w; uint8_t kind; /* 0 bytes, 1 array, 2 map */
      switch (c) {
      case 0xc4: case 0xd9: w = 1; kind = 0; break;
      case 0xc5: case 0xda: w = 2; kind = 0; break;
      case 0xc6: case 0xdb: w = 4; kind = 0; break;
      case 0xdc: w = 2; kind = 1; break;
      case 0xdd: w = 4; kind = 1; break;
      case 0xde: w = 2; kind = 2; break;
      case 0xdf: w = 4; kind = 2; break;
      default: return 0;                                    /* ext types and the rest */
      }
      if (n - i < (size_t)w) return 0;
      uint64_t v = 0; for (int k = 0; k < w; k++) v = v << 8 | p[i++];
      if (kind == 0) len = v; else items = kind == 1 ? v : 2 * v;
    }
    if (len > n - i) return 0;
    i += (size_t)len;
    if (items > n - i) return 0;                            /* each item takes a byte at least */
    want += items;
  }
  return i == n;
}

/* ---- the codec ---- */
typedef struct { const uint8_t *p; size_t n, o; int bad; } rd;
static uint32_t r_u(rd *r, int w) {
  uint32_t v = 0;
  if (r->n - r->o < (size_t)w) { r->bad = 1; return 0; }
  while (w--) v = v << 8 | r->p[r->o++];
  return v;
}
static uint32_t r_uvar(rd *r) { uint32_t v = 0; if (sw_uvar_get(r->p, r->n, &r->o, &v)) r->bad = 1; return v; }
static uint64_t r_u64(rd *r) { uint64_t h = r_u(r, 4); return h << 32 | r_u(r, 4); }
static sw_str r_str(rd *r) {
  sw_str s = {0, 0}; uint32_t l = r_uvar(r);
  if (r->bad || l > r->n - r->o) { r->bad = 1; return s; }
  s.p = r->p + r->o; s.n = l; r->o += l;
  return s;
}
static sw_str r_rest(rd *r) { sw_str s = {r->p + r->o, (uint32_t)(r->n - r->o)}; r->o = r->n; return s; }
static int id_ok(sw_str s, int may_be_empty) { return s.n == 0 ? may_be_empty : sw_id_valid((const char *)s.p, s.n); }
static int name_ok(sw_str s) { return s.n >= 1 && s.n <= 64 && sw_utf8_valid(s.p, s.n); }

/* Entries of SUBSCRIBE / SYNC (qos, filter), UNSUBSCRIBE (filter), SUBACK (code). */
static int r_list(rd *r, sw_op *op, uint32_t n, int kind) {
  size_t start = r->o;
  for (uint32_t k = 0; k < n; k++) {
    if (kind == 2) { uint8_t c = (uint8_t)r_u(r, 1); if (!(c <= 2 || c == 0x80 || c == 0x81 || c == 0x82)) return -1; continue; }
    if (kind == 0 && r_u(r, 1) > 2) return -1;
    sw_str f = r_str(r);
    if (r->bad || !sw_topic_valid(f.p, f.n, 1)) return -1;
  }
  op->list.p = r->p + start; op->list.n = (uint32_t)(r->o - start); op->n = (uint16_t)n;
  return r->bad ? -1 : 0;
}

int sw_op_decode(const uint8_t *p, size_t n, sw_op *op) {
  rd r = {p, n, 0, 0};
  memset(op, 0, sizeof *op);
  if (n < 1) return -1;
  uint8_t c = p[r.o++];
  if (c & 0x80) {
    op->op = SW_OP_PUBLISH; op->flags = c & 0x7c; op->qos = c & 3;
    if (op->qos == 3 || !(c & (SW_PUB_ALIAS | SW_PUB_TOPIC)) || ((c & SW_PUB_REF) && op->qos == 0)) return -1;
    if (c & SW_PUB_ALIAS) { op->alias = r_uvar(&r); if (r.bad || op->alias == 0 || op->alias > 65535) return -1; }
    if (c & SW_PUB_TOPIC) { op->topic = r_str(&r); if (r.bad || !sw_topic_valid(op->topic.p, op->topic.n, 0)) return -1; }
    if (c & SW_PUB_FROM) { op->from = r_str(&r); if (r.bad || !id_ok(op->from, 0)) return -1; }
    if (op->qos == 2) op->id = r_u64(&r);
    if (c & SW_PUB_REF) op->ref = (uint16_t)r_u(&r, 2);
    op->body = r_rest(&r);
    return r.bad ? -1 : 0;
  }
  op->op = c;
  switch (c) {
  case SW_OP_SUBSCRIBE: case SW_OP_UNSUBSCRIBE: {
    op->req = (uint16_t)r_u(&r, 2); uint32_t k = r_u(&r, 1);
    if (r.bad || k == 0 || r_list(&r, op, k, c == SW_OP_SUBSCRIBE ? 0 : 1)) return -1;
    break;
  }
  case SW_OP_SUBACK: { op->req = (uint16_t)r_u(&r, 2); uint32_t k = r_u(&r, 1); if (r.bad || r_list(&r, op, k, 2)) return -1; break; }
  case SW_OP_UNSUBACK: op->req = (uint16_t)r_u(&r, 2); break;
  case SW_OP_SYNC: {
    op->req = (uint16_t)r_u(&r, 2);
    op->max_datagram = r_uvar(&r); op->max_message = r_uvar(&r); op->max_aliases = r_uvar(&r); op->window = r_uvar(&r);
    uint32_t k = r_u(&r, 2);
    if (r.bad || op->max_datagram < 512 || op->max_datagram > 65507 || op->max_message < 1 || op->max_aliases > 65535 ||
        op->window < 1 || op->window > 65535 || r_list(&r, op, k, 0)) return -1;
    break;
  }
  case SW_OP_WILL:
    op->flags = (uint8_t)r_u(&r, 1); op->qos = op->flags & 3; op->topic = r_str(&r);
    if (r.bad || (op->flags & 0xf8) || op->qos == 3) return -1;
    if (op->topic.n && !sw_topic_valid(op->topic.p, op->topic.n, 0)) return -1;
    op->body = r_rest(&r);
    break;
  case SW_OP_ALIAS:
    op->alias = r_uvar(&r); op->topic = r_str(&r);
    if (r.bad || op->alias == 0 || op->alias > 65535 || !sw_topic_valid(op->topic.p, op->topic.n, 0)) return -1;
    break;
  case SW_OP_PUBNACK:
    op->ref = (uint16_t)r_u(&r, 2); op->outcome = (uint8_t)r_u(&r, 1);
    if (!(op->outcome == 0x80 || op->outcome == 0x82 || op->outcome == 0x83)) return -1;
    break;
  case SW_OP_CALL:
    op->id = r_u64(&r); op->timeout = r_uvar(&r); op->to = r_str(&r); op->from = r_str(&r); op->method = r_str(&r);
    if (r.bad || !id_ok(op->to, 1) || !id_ok(op->from, 1) || !name_ok(op->method)) return -1;
    op->body = r_rest(&r);
    break;
  case SW_OP_CALLACK: op->id = r_u64(&r); op->to = r_str(&r); if (r.bad || !id_ok(op->to, 1)) return -1; break;
  case SW_OP_RESULT:
    op->id = r_u64(&r); op->to = r_str(&r); op->outcome = (uint8_t)r_u(&r, 1);
    if (r.bad || !id_ok(op->to, 1) || op->outcome > 5) return -1;
    op->body = r_rest(&r);
    break;
  default: return -1;
  }
  return r.bad || r.o != n ? -1 : 0;
}

int sw_op_list_next(const sw_op *op, size_t *off, uint8_t *qos, sw_str *filter) {
  rd r = {op->list.p, op->list.n, *off, 0};
  if (r.o >= r.n) return 0;
  *qos = 0xff;
  if (op->op == SW_OP_SUBACK) { *qos = (uint8_t)r_u(&r, 1); filter->n = 0; }
  else { if (op->op != SW_OP_UNSUBSCRIBE) *qos = (uint8_t)r_u(&r, 1); *filter = r_str(&r); }
  *off = r.o;
  return 1;
}

typedef struct { uint8_t *p; size_t cap, o; int bad; } wr;
static void w_u(wr *w, uint64_t v, int bytes) { if (w->cap - w->o < (size_t)bytes) { w->bad = 1; return; } while (bytes--) w->p[w->o++] = (uint8_t)(v >> (8 * bytes)); }
static void w_uvar(wr *w, uint32_t v) { uint8_t t[5]; size_t k = sw_uvar_put(t, v); if (w->cap - w->o < k) { w->bad = 1; return; } memcpy(w->p + w->o, t, k); w->o += k; }
static void w_raw(wr *w, sw_str s) { if (w->cap - w->o < s.n) { w->bad = 1; return; } if (s.n) memmove(w->p + w->o, s.p, s.n); w->o += s.n; }
static void w_str(wr *w, sw_str s) { w_uvar(w, s.n); w_raw(w, s); }

int sw_op_encode(uint8_t *p, size_t cap, const sw_op *op) {
  wr w = {p, cap, 0, 0};
  if (op->op == SW_OP_PUBLISH) {
    w_u(&w, 0x80u | (op->flags & 0x7c) | op->qos, 1);
    if (op->flags & SW_PUB_ALIAS) w_uvar(&w, op->alias);
    if (op->flags & SW_PUB_TOPIC) w_str(&w, op->topic);
    if (op->flags & SW_PUB_FROM) w_str(&w, op->from);
    if (op->qos == 2) w_u(&w, op->id, 8);
    if (op->flags & SW_PUB_REF) w_u(&w, op->ref, 2);
    w_raw(&w, op->body);
    return w.bad ? -1 : (int)w.o;
  }
  w_u(&w, op->op, 1);
  switch (op->op) {
  case SW_OP_SUBSCRIBE: case SW_OP_UNSUBSCRIBE: case SW_OP_SUBACK: w_u(&w, op->req, 2); w_u(&w, op->n, 1); w_raw(&w, op->list); break;
  case SW_OP_UNSUBACK: w_u(&w, op->req, 2); break;
  case SW_OP_SYNC:
    w_u(&w, op->req, 2); w_uvar(&w, op->max_datagram); w_uvar(&w, op->max_message); w_uvar(&w, op->max_aliases);
    w_uvar(&w, op->window); w_u(&w, op->n, 2); w_raw(&w, op->list);
    break;
  case SW_OP_WILL: w_u(&w, op->flags, 1); w_str(&w, op->topic); w_raw(&w, op->body); break;
  case SW_OP_ALIAS: w_uvar(&w, op->alias); w_str(&w, op->topic); break;
  case SW_OP_PUBNACK: w_u(&w, op->ref, 2); w_u(&w, op->outcome, 1); break;
  case SW_OP_CALL: w_u(&w, op->id, 8); w_uvar(&w, op->timeout); w_str(&w, op->to); w_str(&w, op->from); w_str(&w, op->method); w_raw(&w, op->body); break;
  case SW_OP_CALLACK: w_u(&w, op->id, 8); w_str(&w, op->to); break;
  case SW_OP_RESULT: w_u(&w, op->id, 8); w_str(&w, op->to); w_u(&w, op->outcome, 1); w_raw(&w, op->body); break;
  default: return -1;
  }
  return w.bad ? -1 : (int)w.o;
}
