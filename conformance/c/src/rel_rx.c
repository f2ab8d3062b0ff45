/* Reliable receiving (14.3, 14.6, 14.7, 14.12.3): BASE and up to SW_ACK_RANGES ranges above it, a
 * window, one partial message at a time, and a hold-back of SW_WINDOW ordered messages in
 * SW_HOLD_BYTES. A frame that cannot be taken is neither recorded nor acknowledged ([SW-14.3-2]). */
#include <string.h>
#include "../saltwire.h"

#define MAX_ACK_DELAY 200

void sw_rx_init(sw_rel_rx *r, uint16_t window, uint16_t ack_delay, uint16_t max_message) {
  memset(r, 0, sizeof *r);
  r->base = 1;
  r->window = window;
  r->ack_delay = ack_delay;
  r->max_message = max_message > SW_MAX_MESSAGE ? SW_MAX_MESSAGE : max_message;
}

static int received(const sw_rel_rx *r, uint32_t id) {
  if (id < r->base) return 1;
  for (int k = 0; k < r->nr; k++) if (id >= r->rs[k] && id < r->re[k]) return 1;
  return 0;
}

/* Would recording id need a range beyond the limit? */
static int room_for(const sw_rel_rx *r, uint32_t id) {
  if (id == r->base) return 1;
  for (int k = 0; k < r->nr; k++) if (id + 1 == r->rs[k] || id == r->re[k]) return 1;
  return r->nr < SW_ACK_RANGES;
}

static void record(sw_rel_rx *r, uint32_t id) {
  int k;
  if (id == r->base) r->base++;
  else {
    for (k = 0; k < r->nr && r->re[k] < id; k++) {}
    if (k < r->nr && r->re[k] == id) r->re[k]++;
    else if (k < r->nr && r->rs[k] == id + 1) r->rs[k]--;
    else {
      memmove(&r->rs[k + 1], &r->rs[k], (size_t)(r->nr - k) * 4); memmove(&r->re[k + 1], &r->re[k], (size_t)(r->nr - k) * 4);
      r->rs[k] = id; r->re[k] = id + 1; r->nr++;
    }
    if (k + 1 < r->nr && r->re[k] == r->rs[k + 1]) {                   /* merge with the next */
      r->re[k] = r->re[k + 1];
      memmove(&r->rs[k + 1], &r->rs[k + 2], (size_t)(r->nr - k - 2) * 4); memmove(&r->re[k + 1], &r->re[k + 2], (size_t)(r->nr - k - 2) * 4);
      r->nr--;
    }
  }
  while (r->nr && r->rs[0] <= r->base) {
    if (r->re[0] > r->base) r->base = r->re[0];
    memmove(&r->rs[0], &r->rs[1], (size_t)(r->nr - 1) * 4); memmove(&r->re[0], &r->re[1], (size_t)(r->nr - 1) * 4);
    r->nr--;
  }
}

static int chan(sw_rel_rx *r, uint8_t c, int create) {
  for (int k = 0; k < SW_CHANNELS; k++) if (r->ch[k] == c + 1) return k;
  if (!create) return -1;
  for (int k = 0; k < SW_CHANNELS; k++) if (!r->ch[k]) { r->ch[k] = (uint8_t)(c + 1); r->ch_last[k] = 0; return k; }
  return c % SW_CHANNELS;
}

static int held(const sw_rel_rx *r, uint32_t first) {
  for (int k = 0; k < SW_WINDOW; k++) if (r->hold[k].used && r->hold[k].first == first) return 1;
  return 0;
}

static int deliverable(sw_rel_rx *r, uint8_t c, uint32_t prev) {    /* [SW-14.7-3] */
  int k = chan(r, c, 0);
  if (prev == 0 || (k >= 0 && r->ch_last[k] >= prev)) return 1;
#if SW_REASSEMBLY
  if (r->p_used && r->p_first == prev) return 0;
#endif
  return prev < r->fwd_floor && !held(r, prev);
}

static void deliver(sw_rel_rx *r, uint8_t c, uint32_t first, int ordered, const uint8_t *d, size_t n, const sw_rel_cb *cb) {
  if (ordered) { int k = chan(r, c, 1); r->ch[k] = (uint8_t)(c + 1); if (first > r->ch_last[k]) r->ch_last[k] = first; }
  if (cb && cb->deliver) cb->deliver(cb->user, c, first, ordered, d, n);
}

static void drain(sw_rel_rx *r, const sw_rel_cb *cb) {
  for (int again = 1; again;) {
    again = 0;
    for (int k = 0; k < SW_WINDOW; k++) {
      sw_hold *h = &r->hold[k];
      if (!h->used || !deliverable(r, h->channel, h->prev)) continue;
      uint8_t tmp[SW_HOLD_BYTES];
      size_t n = h->len; memcpy(tmp, r->hbuf + h->off, n);
      uint16_t off = h->off; h->used = 0;
      memmove(r->hbuf + off, r->hbuf + off + n, r->hold_used - off - n);
      r->hold_used = (uint16_t)(r->hold_used - n);
      for (int j = 0; j < SW_WINDOW; j++) if (r->hold[j].used && r->hold[j].off > off) r->hold[j].off = (uint16_t)(r->hold[j].off - n);
      deliver(r, h->channel, h->first, 1, tmp, n, cb);
      again = 1;
    }
  }
}

/* A complete message: delivered, held back, or (0) refused for want of room. */
static int complete(sw_rel_rx *r, const sw_frame *f, uint32_t first, const uint8_t *d, size_t n, int dry, const sw_rel_cb *cb) {
  int ordered = (f->flags & SW_MSG_O) != 0;
  if (!ordered || deliverable(r, f->channel, f->b)) {
    if (!dry) { deliver(r, f->channel, first, ordered, d, n, cb); if (ordered) drain(r, cb); }
    return 1;
  }
  int slot = -1;
  for (int k = 0; k < SW_WINDOW; k++) if (!r->hold[k].used) { slot = k; break; }
  if (slot < 0 || r->hold_used + n > SW_HOLD_BYTES) return 0;        /* [SW-14.7-7] */
  if (dry) return 1;
  sw_hold *h = &r->hold[slot];
  h->used = 1; h->first = first; h->prev = f->b; h->channel = f->channel; h->off = r->hold_used; h->len = (uint16_t)n;
  memcpy(r->hbuf + r->hold_used, d, n);
  r->hold_used = (uint16_t)(r->hold_used + n);
  return 1;
}

static void owe(sw_rel_rx *r, uint32_t now, int at_once) {
  if (!r->ack_owed) r->ack_due = now + r->ack_delay;
  r->ack_owed = 1;
  if (at_once || r->ack_delay == 0 || ++r->unacked >= 2) r->ack_now = 1;
}

void sw_rx_on_msg(sw_rel_rx *r, uint32_t now, const sw_frame *f, const sw_rel_cb *cb) {
  uint32_t id = f->a;
  if (!(f->flags & SW_MSG_R)) { deliver(r, f->channel, 0, 0, f->data, f->len, cb); return; }
  if (received(r, id)) { owe(r, now, 1); return; }                    /* a duplicate: ACK again */
  if (id - r->base >= r->window || !room_for(r, id)) return;
  if (f->flags & SW_MSG_F) {                                          /* 14.6, one message at a time */
#if !SW_REASSEMBLY
    return;                      /* above our MAX_MESSAGE ([SW-14.6-5]): not taken ([SW-14.12-11]) */
#else
    uint32_t first = id - f->c;
    if (r->p_used && r->p_first != first) return;
    if (!r->p_used) {
      if (f->total > r->max_message) return;
      r->p_used = 1; r->p_first = first; r->p_total = (uint16_t)f->total; r->p_count = (uint16_t)f->d; r->p_mask = 0;
      r->p_unit = 0; r->p_created = now; r->p_flags = f->flags; r->p_channel = f->channel; r->p_prev = f->b;
    }
    uint32_t u = f->c + 1 < f->d ? (uint32_t)f->len : f->d > 1 ? (f->total - f->len) / (f->d - 1) : 0;
    int bad = f->total != r->p_total || f->d != r->p_count || f->d > 32 || (r->p_unit && u != r->p_unit) ||
              (f->c + 1 == f->d && (uint64_t)u * (f->d - 1) + f->len != f->total) || (uint64_t)u * f->c + f->len > f->total;
    if (!bad && r->p_mask == ((1u << f->d) - 1) - (1u << f->c)) {
      sw_frame whole = *f; whole.b = r->p_prev;
      if (!complete(r, &whole, first, NULL, f->total, 1, cb)) return;   /* no hold-back room: not taken */
    }
    record(r, id); owe(r, now, id + 1 != r->base);
    if (bad) { r->p_used = 0; return; }                                /* [SW-14.6-2]: discarded */
    if (!(r->hi_id && id <= r->hi_id)) { r->hi_id = id; r->hi_time = now; }
    r->p_unit = (uint16_t)u;
    memcpy(r->pbuf + (size_t)u * f->c, f->data, f->len);
    r->p_mask |= 1u << f->c;
    if (r->p_mask == (1u << f->d) - 1) {
      sw_frame whole = *f; whole.b = r->p_prev;
      r->p_used = 0;
      complete(r, &whole, first, r->pbuf, f->total, 0, cb);
    }
    return;
#endif
  }
  if (!complete(r, f, id, f->data, f->len, 1, cb)) return;
  int in_order = id == r->base;
  record(r, id);
  if (!(r->hi_id && id <= r->hi_id)) { r->hi_id = id; r->hi_time = now; }
  owe(r, now, !in_order);
  complete(r, f, id, f->data, f->len, 0, cb);
}

void sw_rx_on_forward(sw_rel_rx *r, uint32_t now, uint32_t floor, const sw_rel_cb *cb) {  /* [SW-14.3-7] */
  if (floor > r->fwd_floor) r->fwd_floor = floor;
  if (floor > r->base) {
    r->base = floor;
    while (r->nr && r->rs[0] <= r->base) {
      if (r->re[0] > r->base) r->base = r->re[0];
      memmove(&r->rs[0], &r->rs[1], (size_t)(r->nr - 1) * 4); memmove(&r->re[0], &r->re[1], (size_t)(r->nr - 1) * 4);
      r->nr--;
    }
#if SW_REASSEMBLY
    if (r->p_used && r->p_first < floor) r->p_used = 0;
#endif
  }
  drain(r, cb);
  owe(r, now, 1);
}

int sw_rx_ack_due(const sw_rel_rx *r, uint32_t now) { return r->ack_owed && (r->ack_now || (int32_t)(now - r->ack_due) >= 0); }
uint32_t sw_rx_next_deadline(const sw_rel_rx *r) { return !r->ack_owed ? SW_NONE : r->ack_now ? 0 : r->ack_due; }

size_t sw_rx_build_ack(sw_rel_rx *r, uint32_t now, uint8_t *p, size_t room) {
  if (room < 10) return 0;
  int held_n = 0;
  for (int k = 0; k < SW_WINDOW; k++) held_n += r->hold[k].used;
  uint32_t w = r->window > held_n ? r->window - (uint32_t)held_n : 1;
  uint32_t delay = r->hi_id ? now - r->hi_time : 0;
  if (delay > MAX_ACK_DELAY) delay = MAX_ACK_DELAY;
  int n = r->nr;
  while (n && 10u + 4u * (unsigned)n > room) n--;
  sw_ack_put(p, r->base, (uint16_t)w, (uint16_t)delay, r->rs, r->re, (uint8_t)n);
  r->ack_owed = r->ack_now = 0; r->unacked = 0;
  return 10u + 4u * (unsigned)n;
}
