/* Frames of a plaintext (4.7, 9.4, 12.4, 14.2) and UVARs (4.11). A frame is checked by its own rules
 * in sw_frame_next; the rules across frames (at most one of several types) in sw_frames_check. */
#include <string.h>
#include "../saltwire.h"

static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

size_t sw_uvar_put(uint8_t *p, uint32_t v) {
  size_t i = 0;
  while (v >= 128) { p[i++] = (uint8_t)(v | 128); v >>= 7; }
  p[i++] = (uint8_t)v;
  return i;
}

/* [SW-4.11-1]: shortest form, at most 5 bytes, at most 2^32 - 1, not cut short. */
int sw_uvar_get(const uint8_t *p, size_t n, size_t *off, uint32_t *v) {
  uint32_t x = 0;
  for (int i = 0; i < 5; i++) {
    if (*off >= n) return -1;
    uint8_t b = p[(*off)++];
    if (i == 4 && b > 0x0f) return -1;
    x |= (uint32_t)(b & 127) << (7 * i);
    if (!(b & 128)) {
      if (i > 0 && b == 0) return -1;
      *v = x;
      return 0;
    }
  }
  return -1;
}

static int msg_next(const uint8_t *pt, size_t n, size_t *off, sw_frame *f) {
  uint8_t t = pt[(*off)++];
  uint32_t id = 0, gap = 0, idx = 0, cnt = 0, tot = 0, len;
  f->type = SW_F_MSG;
  f->flags = t & 7;
  f->channel = (t >> 3) & 7;
  if ((f->flags & (SW_MSG_O | SW_MSG_F)) && !(f->flags & SW_MSG_R)) return -1;
  if (f->channel == 7) {
    if (*off >= n || pt[*off] < 7) return -1;
    f->channel = pt[(*off)++];
  }
  if (f->flags & SW_MSG_R) { if (sw_uvar_get(pt, n, off, &id) || id == 0) return -1; }
  if (f->flags & SW_MSG_O) { if (sw_uvar_get(pt, n, off, &gap)) return -1; }
  if (f->flags & SW_MSG_F) {
    if (sw_uvar_get(pt, n, off, &idx) || sw_uvar_get(pt, n, off, &cnt) || sw_uvar_get(pt, n, off, &tot)) return -1;
    if (cnt < 2 || cnt > 65535 || idx >= cnt || idx > id - 1 || tot < cnt) return -1;
  }
  if (f->flags & SW_MSG_O) { if (gap < 1 || gap > id - idx) return -1; }
  if (t & 0x40) {
    if (sw_uvar_get(pt, n, off, &len) || len > 65535 || len > n - *off || *off + len == n) return -1;
  } else {
    len = (uint32_t)(n - *off);
    if (len > 65535) return -1;
  }
  if ((f->flags & SW_MSG_F) && (len < 1 || len > tot)) return -1;
  f->a = id; f->b = (f->flags & SW_MSG_O) ? id - idx - gap : 0; f->c = idx; f->d = cnt; f->total = tot;
  f->data = pt + *off; f->len = len;
  *off += len;
  return 1;
}

int sw_frame_next(const uint8_t *pt, size_t n, size_t *off, sw_frame *f) {
  size_t o = *off, rest;
  memset(f, 0, sizeof *f);
  if (o >= n) return 0;
  uint8_t t = pt[o];
  if (t & 0x80) return msg_next(pt, n, off, f);
  f->type = t; o++; rest = n - o;
  switch (t) {
  case SW_F_PADDING:
    while (o < n && pt[o] == 0) o++;
    f->a = (uint32_t)(o - *off);
    break;
  case SW_F_INDEX:
    if (rest < 9) return -1;
    f->a = get32(pt + o); f->gen = pt[o + 4]; f->b = get32(pt + o + 5);
    if (!f->a || !f->b) return -1;
    o += 9;
    break;
  case SW_F_DATAGRAM: f->data = pt + o; f->len = rest; o = n; break;
  case SW_F_PING: break;
  case SW_F_CHALLENGE: case SW_F_ECHO:
    if (rest < 8) return -1;
    f->data = pt + o; f->len = 8; o += 8;
    break;
  case SW_F_STALE:
    if (rest < 5) return -1;
    f->gen = pt[o]; f->b = get32(pt + o + 1);
    if (!f->b) return -1;
    o += 5;
    break;
  case SW_F_ACK: {
    if (rest < 9) return -1;
    f->a = get32(pt + o); f->b = get16(pt + o + 4); f->c = get16(pt + o + 6); f->nranges = pt[o + 8];
    if (!f->a || rest < 9u + 4u * f->nranges) return -1;
    f->data = pt + o + 9; f->len = 4u * f->nranges;
    uint64_t at = f->a;
    for (int k = 0; k < f->nranges; k++) {
      uint16_t gap = get16(f->data + 4 * k), len = get16(f->data + 4 * k + 2);
      if (!gap || !len) return -1;
      at += gap;
      if (at + len - 1 > 0xffffffffu) return -1;
      at += len;
    }
    o += 9u + 4u * f->nranges;
    break;
  }
  case SW_F_FORWARD:
    if (rest < 4 || !(f->a = get32(pt + o))) return -1;
    o += 4;
    break;
  case SW_F_SLEEP:
    if (rest < 8) return -1;
    f->a = get32(pt + o); f->b = get32(pt + o + 4);
    if ((f->a == 0) != (f->b == 0)) return -1;
    o += 8;
    break;
  default: return -1;
  }
  *off = o;
  return 1;
}

int sw_frames_check(const uint8_t *pt, size_t n) {
  size_t off = 0; sw_frame f; int r; uint16_t seen = 0;
  while ((r = sw_frame_next(pt, n, &off, &f)) > 0) {
    if (f.type == SW_F_MSG || f.type == SW_F_PADDING || f.type == SW_F_DATAGRAM) continue;
    uint16_t bit = (uint16_t)(1u << (f.type & 15));
    if (seen & bit) return -1;
    seen |= bit;
  }
  return r;
}

size_t sw_ack_range_get(const sw_frame *f, int k, uint32_t *start, uint32_t *end) {
  uint32_t at = f->a;
  for (int i = 0; i <= k; i++) {
    at += get16(f->data + 4 * i);
    *start = at;
    at += get16(f->data + 4 * i + 2);
    *end = at; /* one past the last id; wraps to 0 only for a range ending at 2^32 - 1 */
  }
  return 1;
}

size_t sw_msg_put(uint8_t *p, uint8_t flags, uint8_t channel, uint32_t id, uint32_t prev, uint32_t findex,
                  uint32_t count, uint32_t total, const uint8_t *data, size_t len, int last) {
  size_t o = 1;
  p[0] = (uint8_t)(0x80 | (last ? 0 : 0x40) | (channel < 7 ? channel : 7) << 3 | (flags & 7));
  if (channel >= 7) p[o++] = channel;
  if (flags & SW_MSG_R) o += sw_uvar_put(p + o, id);
  if (flags & SW_MSG_O) o += sw_uvar_put(p + o, id - findex - prev);
  if (flags & SW_MSG_F) { o += sw_uvar_put(p + o, findex); o += sw_uvar_put(p + o, count); o += sw_uvar_put(p + o, total); }
  if (!last) o += sw_uvar_put(p + o, (uint32_t)len);
  memmove(p + o, data, len);
  return o + len;
}

size_t sw_ack_put(uint8_t *p, uint32_t cum, uint16_t window, uint16_t delay, const uint32_t *start, const uint32_t *end, uint8_t n) {
  p[0] = SW_F_ACK; put32(p + 1, cum); put16(p + 5, window); put16(p + 7, delay); p[9] = n;
  uint32_t at = cum;
  for (int k = 0; k < n; k++) {
    put16(p + 10 + 4 * k, start[k] - at); put16(p + 12 + 4 * k, end[k] - start[k]);
    at = end[k];
  }
  return 10u + 4u * n;
}

size_t sw_forward_put(uint8_t *p, uint32_t floor) { p[0] = SW_F_FORWARD; put32(p + 1, floor); return 5; }

/* [SW-14.2-5]: the caller gives both zero (a cancel) or both non-zero. */
size_t sw_sleep_put(uint8_t *p, uint32_t wake_ms, uint32_t awake_ms) { p[0] = SW_F_SLEEP; put32(p + 1, wake_ms); put32(p + 5, awake_ms); return 9; }
