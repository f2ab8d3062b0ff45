/* Device-profile sender (spec 14.12.2, 14.7, 14.8): a window of SW_WINDOW ids past FLOOR, the integer
 * RFC 6298 estimator, the gap rule and early retransmission towards a peer that holds fragments
 * back ([SW-14.12-20]), one timer per peer (RTO for DEVICE_FAST_STEPS expiries, then
 * doubling to DEVICE_MAX_BACKOFF, one datagram per step), FORWARD, deadlines, and one buffer for the
 * outbox and what is in flight, with room only control operations take ([SW-14.12-12]).
 * Ids in [floor, next_id) are assigned; fl[id % SW_WINDOW] holds each one's state. */
#include <string.h>
#include "../saltwire.h"

enum { NEW = 0, INFLIGHT, LOST, SETTLED };
#define USED 0x80            /* m[].flags: slot holds a message */
#define HAS_IDS 0x40         /* its ids were given at its first transmission */
#define MIN_RTO 200
#define MAX_RTO 60000
#define INITIAL_RTO 1000
#define FAST_STEPS 8
#define MAX_BACKOFF 32000
#define FRAGMENT_LIFETIME 60000

void sw_tx_init(sw_rel_tx *t, uint16_t budget, uint8_t random_byte) {
  memset(t, 0, sizeof *t);
  t->next_id = t->cum = t->floor = 1;
  t->window = SW_WINDOW;
  t->rto = INITIAL_RTO;
  t->budget = budget;
  t->random_byte = random_byte;
  t->reachable = 1;
  t->peer_max_message = 16384;
  t->outbox_msgs = SW_OUTBOX_MSGS; t->outbox_bytes = SW_OUTBOX_BYTES;
  t->reserve_msgs = SW_RESERVE_MSGS; t->reserve_bytes = SW_RESERVE_BYTES;
}

static uint16_t unit(const sw_rel_tx *t) { return (uint16_t)(t->budget - SW_FRAGMENT_RESERVE); }
static int before(uint16_t a, uint16_t b) { return (int16_t)(a - b) < 0; }

int sw_tx_send(sw_rel_tx *t, uint32_t now, uint8_t channel, uint8_t flags, uint32_t deadline, const uint8_t *d, size_t n) {
  int nm = 0, slot = -1, ctl = (flags & SW_SEND_CONTROL) != 0;
  size_t nfrag = n <= unit(t) ? 1 : (n + unit(t) - 1) / unit(t);
  (void)now;
  if (flags & SW_SEND_UNRELIABLE) { if (n > unit(t)) return SW_ERR_TOO_LARGE; }
  else if (n > t->peer_max_message || nfrag > SW_WINDOW) return SW_ERR_TOO_LARGE;   /* [SW-14.6-5] */
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) { if (t->m[i].flags & USED) nm++; else if (slot < 0) slot = i; }
  if (ctl ? (nm + 1 > t->outbox_msgs + t->reserve_msgs || t->used + n > (size_t)t->outbox_bytes + t->reserve_bytes)
          : (nm + 1 > t->outbox_msgs || t->used + n > t->outbox_bytes)) return SW_ERR_OUTBOX_FULL;   /* [SW-14.8-1] */
  if (slot < 0 || t->used + n > sizeof t->buf) return SW_ERR_OUTBOX_FULL;
  sw_rel_msg *m = &t->m[slot];
  memset(m, 0, sizeof *m);
  m->flags = (uint8_t)(USED | (flags & (SW_SEND_UNRELIABLE | SW_SEND_CONTROL | SW_MSG_O)) | ((flags & SW_SEND_UNRELIABLE) ? 0 : SW_MSG_R));
  m->channel = channel; m->deadline = deadline; m->len = (uint16_t)n; m->off = t->used; m->nfrag = (uint8_t)nfrag;
  m->ticket = ++t->ticket;
  memcpy(t->buf + t->used, d, n);
  t->used = (uint16_t)(t->used + n);
  return m->ticket;
}

static void free_msg(sw_rel_tx *t, sw_rel_msg *m) {
  uint16_t off = m->off, len = m->len;
  memmove(t->buf + off, t->buf + off + len, t->used - off - len);
  t->used = (uint16_t)(t->used - len);
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) if ((t->m[i].flags & USED) && t->m[i].off > off) t->m[i].off = (uint16_t)(t->m[i].off - len);
  m->flags = 0;
}

static int any_state(const sw_rel_tx *t, int s1, int s2) {
  for (uint32_t id = t->floor; id != t->next_id; id++) { int s = t->fl[id % SW_WINDOW].state; if (s == s1 || s == s2) return 1; }
  return 0;
}

static void advance_floor(sw_rel_tx *t) {
  while (t->floor != t->next_id && t->fl[t->floor % SW_WINDOW].state == SETTLED) t->floor++;
  if (t->floor <= t->cum) t->fwd_owed = t->fwd_now = 0;
  else t->fwd_owed = 1;
}

static uint32_t period(const sw_rel_tx *t) {                   /* T(K) plus jitter, [SW-14.12-6] */
  uint32_t T = t->rto;
  int k = t->k > FAST_STEPS ? t->k - FAST_STEPS : 0;
  while (k-- > 0 && T < MAX_BACKOFF) T *= 2;
  if (T > MAX_BACKOFF) T = MAX_BACKOFF;
  return T + T * t->random_byte / 1024;
}

/* Gives up a message ([SW-14.7-1]): its ids are settled, FORWARD carries the receiver past them. */
static void give_up(sw_rel_tx *t, sw_rel_msg *m, const sw_rel_cb *cb) {
  if (m->flags & HAS_IDS) for (uint32_t k = 0; k < m->nfrag; k++) t->fl[(m->first_id + k) % SW_WINDOW].state = SETTLED;
  uint16_t ticket = m->ticket; int rel = (m->flags & SW_MSG_R) != 0;
  free_msg(t, m);
  uint32_t old = t->floor;
  advance_floor(t);
  if (t->fwd_owed && t->floor != old && t->k == 0) t->fwd_now = 1;   /* [SW-14.12-8]: at once */
  if (rel && cb && cb->receipt) cb->receipt(cb->user, ticket, 0);
}

static uint32_t msg_deadline(const sw_rel_msg *m) {
  uint32_t d = m->deadline;
  if (m->nfrag > 1 && m->sent && m->first_sent + FRAGMENT_LIFETIME < d) d = m->first_sent + FRAGMENT_LIFETIME;
  return d;
}

void sw_tx_tick(sw_rel_tx *t, uint32_t now, const sw_rel_cb *cb) {
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) {
    sw_rel_msg *m = &t->m[i];
    if ((m->flags & USED) && (m->flags & SW_MSG_R) && (int32_t)(now - msg_deadline(m)) >= 0) give_up(t, m, cb);
  }
  if (t->timer_on && (int32_t)(now - t->timer) >= 0 && t->reachable) {  /* [SW-14.12-6] */
    t->timer_on = 0;
    if (any_state(t, INFLIGHT, INFLIGHT) || t->fwd_owed) {
      if (t->k < 16) t->k++;
      for (uint32_t id = t->floor; id != t->next_id; id++) if (t->fl[id % SW_WINDOW].state == INFLIGHT) t->fl[id % SW_WINDOW].state = LOST;
      t->step = 1;
    }
  }
}

static sw_rel_msg *owner(sw_rel_tx *t, uint32_t id) {
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) {
    sw_rel_msg *m = &t->m[i];
    if ((m->flags & (USED | HAS_IDS)) == (USED | HAS_IDS) && id - m->first_id < m->nfrag) return m;
  }
  return NULL;
}

void sw_tx_on_ack(sw_rel_tx *t, uint32_t now, const sw_frame *a, const sw_rel_cb *cb) {
  uint32_t hi = a->a - 1, F = 0, s, e;
  int newly = 0, once = 1;
  if (a->nranges) { sw_ack_range_get(a, a->nranges - 1, &s, &e); hi = e - 1; }
  uint32_t covered = 0;                                             /* H [SW-14.12-20] */
  for (int k = 0; k < a->nranges; k++) { sw_ack_range_get(a, k, &s, &e); covered += e - s; }
  if (a->b > t->wmax) t->wmax = (uint16_t)a->b;
  int held = t->wmax > a->b + covered;                              /* H > 0 */
  for (uint32_t id = t->floor; id != t->next_id; id++) {
    sw_rel_frag *f = &t->fl[id % SW_WINDOW];
    if (f->state != INFLIGHT && f->state != LOST) continue;
    int acked = id < a->a;
    for (int k = 0; !acked && k < a->nranges; k++) { sw_ack_range_get(a, k, &s, &e); acked = id >= s && id - s < e - s; }
    if (!acked) continue;
    f->state = SETTLED; newly = 1; F = id;
    if (f->tx != 1) once = 0;
    sw_rel_msg *m = owner(t, id);
    if (m) {
      m->acked |= (uint8_t)(1u << (id - m->first_id));
      if (m->acked == (uint8_t)((1u << m->nfrag) - 1)) { uint16_t tk = m->ticket; free_msg(t, m); if (cb && cb->receipt) cb->receipt(cb->user, tk, 1); }
    }
  }
  int raised = a->a > t->cum;
  if (a->a >= t->cum) { t->cum = a->a; t->window = a->b; }
  if (newly && F == hi && once) {                                   /* [SW-14.12-5] */
    uint32_t dl = a->c < 200 ? a->c : 200, el = now - t->fl[F % SW_WINDOW].sent;
    uint32_t R = el > dl + 1 ? el - dl : 1;
    if (!t->has_sample) { t->srtt = (uint16_t)R; t->rttvar = (uint16_t)(R / 2); t->has_sample = 1; }
    else {
      uint32_t diff = t->srtt > R ? t->srtt - R : R - t->srtt;
      t->rttvar = (uint16_t)((3u * t->rttvar + diff + 2) / 4);
      t->srtt = (uint16_t)((7u * t->srtt + R + 4) / 8);
    }
    uint32_t rto = t->srtt + (4u * t->rttvar > 1 ? 4u * t->rttvar : 1);
    t->rto = (uint16_t)(rto < MIN_RTO ? MIN_RTO : rto > MAX_RTO ? MAX_RTO : rto);
  }
  if (newly) {                                                      /* the gap rule */
    uint32_t fs = t->fl[F % SW_WINDOW].sent;
    for (uint32_t id = t->floor; id != F; id++) {
      sw_rel_frag *f = &t->fl[id % SW_WINDOW];
      if (f->state == INFLIGHT && (int32_t)(fs - f->sent) >= 0) f->state = LOST;
    }
  }
  if (held && t->has_sample) {                                   /* early retransmission [SW-14.12-20] */
    for (uint32_t id = t->floor; id != t->next_id; id++) {
      sw_rel_frag *f = &t->fl[id % SW_WINDOW];
      if (f->state != INFLIGHT && f->state != LOST) continue;      /* the lowest sent and unacknowledged */
      if (f->state == INFLIGHT && f->tx == 1 && now - f->sent >= t->srtt) f->state = LOST;
      break;
    }
  }
  advance_floor(t);
  if (newly || raised) {                                            /* progress */
    t->k = 0; t->step = 0;
    if (any_state(t, INFLIGHT, INFLIGHT) || t->fwd_owed) { t->timer = now + period(t); t->timer_on = 1; }
    else t->timer_on = 0;
  }
}

static void all_lost(sw_rel_tx *t) {
  for (uint32_t id = t->floor; id != t->next_id; id++) if (t->fl[id % SW_WINDOW].state == INFLIGHT) t->fl[id % SW_WINDOW].state = LOST;
}

void sw_tx_end_backoff(sw_rel_tx *t) {                               /* [SW-14.12-17] */
  t->k = 0; t->step = 0; t->timer_on = 0;
  all_lost(t);
  if (t->fwd_owed) t->fwd_now = 1;
}

void sw_tx_peer_restart(sw_rel_tx *t) {                              /* [SW-14.7-4], [SW-14.7-11] */
  t->cum = 1; t->window = SW_WINDOW; t->wmax = 0;
  for (uint32_t id = t->floor; id != t->next_id; id++) {
    sw_rel_frag *f = &t->fl[id % SW_WINDOW];
    sw_rel_msg *m = owner(t, id);
    if (f->state == SETTLED && m) { f->state = LOST; m->acked = 0; }
  }
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) t->m[i].acked = 0;
  advance_floor(t);
  sw_tx_end_backoff(t);
}

void sw_tx_renumber(sw_rel_tx *t) {
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) { t->m[i].flags &= (uint8_t)~HAS_IDS; t->m[i].acked = t->m[i].sent = 0; }
  memset(t->fl, 0, sizeof t->fl);
  memset(t->ch, 0, sizeof t->ch);
  t->next_id = t->cum = t->floor = 1; t->window = SW_WINDOW; t->wmax = 0;
  t->k = 0; t->step = 0; t->timer_on = 0; t->fwd_owed = t->fwd_now = 0;
}

/* The next message without ids, first in first out ([SW-14.8-1]). */
static sw_rel_msg *next_new(sw_rel_tx *t, int unreliable) {
  sw_rel_msg *best = NULL;
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) {
    sw_rel_msg *m = &t->m[i];
    if (!(m->flags & USED) || (m->flags & HAS_IDS) || !(m->flags & SW_SEND_UNRELIABLE) != !unreliable) continue;
    if (!best || before(m->ticket, best->ticket)) best = m;
  }
  return best;
}

static int may_send_new(const sw_rel_tx *t, uint32_t id) {         /* [SW-14.12-4] */
  return id - t->floor < SW_WINDOW && id < t->cum + t->window;
}

static int new_due(sw_rel_tx *t) {
  for (uint32_t id = t->floor; id != t->next_id; id++) if (t->fl[id % SW_WINDOW].state == NEW) return may_send_new(t, id);
  sw_rel_msg *m = next_new(t, 0);
  return m && t->next_id + m->nfrag - 1 - t->floor < SW_WINDOW && may_send_new(t, t->next_id);
}

int sw_tx_due(const sw_rel_tx *tc) {
  sw_rel_tx *t = (sw_rel_tx *)tc;
  if (next_new(t, 1)) return 1;
  if (!t->reachable) return 0;
  if (t->k > 0) return t->step;
  return any_state(t, LOST, LOST) || t->fwd_now || new_due(t);
}

uint32_t sw_tx_next_deadline(const sw_rel_tx *t, uint32_t now) {
  uint32_t best = SW_NONE;
  if (sw_tx_due(t)) return now;
  if (t->timer_on && t->reachable) best = (int32_t)(t->timer - now) <= 0 ? now : t->timer;
  for (int i = 0; i < SW_OUTBOX_MSGS + SW_RESERVE_MSGS; i++) {
    const sw_rel_msg *m = &t->m[i];
    if (!(m->flags & USED) || !(m->flags & SW_MSG_R)) continue;
    uint32_t d = msg_deadline(m);
    if ((int32_t)(d - now) < 0) d = now;
    if (best == SW_NONE || (int32_t)(d - best) < 0) best = d;
  }
  return best;
}

typedef struct { sw_rel_msg *m; uint32_t id; uint8_t k; } pick;

static size_t frag_len(const sw_rel_tx *t, const sw_rel_msg *m, int k) {
  if (m->nfrag == 1) return m->len;
  return k + 1 < m->nfrag ? unit(t) : (size_t)(m->len - (m->nfrag - 1) * unit(t));
}
static size_t accounted(const sw_rel_msg *m, size_t len) {
  return len + 5 + ((m->flags & SW_MSG_R) ? 5 : 0) + ((m->flags & SW_MSG_O) ? 5 : 0) + (m->nfrag > 1 ? 11 : 0);
}

static void give_ids(sw_rel_tx *t, sw_rel_msg *m) {                  /* [SW-14.2-3] */
  int c;
  m->first_id = t->next_id;
  m->flags |= HAS_IDS;
  for (uint32_t k = 0; k < m->nfrag; k++) { sw_rel_frag *f = &t->fl[(m->first_id + k) % SW_WINDOW]; memset(f, 0, sizeof *f); }
  t->next_id += m->nfrag;
  if (m->flags & SW_MSG_O) {
    for (c = 0; c < SW_CHANNELS && t->ch[c] && t->ch[c] - 1 != m->channel; c++) {}
    if (c == SW_CHANNELS) c = m->channel % SW_CHANNELS;             /* table full: reuse a slot */
    if (!t->ch[c] || t->ch[c] - 1 != m->channel) { t->ch[c] = (uint8_t)(m->channel + 1); t->ch_prev[c] = 0; }
    m->prev = t->ch_prev[c];
    t->ch_prev[c] = m->first_id;
  }
}

size_t sw_tx_build(sw_rel_tx *t, uint32_t now, uint8_t *p, size_t room, int *asks) {
  pick pk[SW_WINDOW + SW_OUTBOX_MSGS + SW_RESERVE_MSGS];
  int np = 0;
  size_t used = 0, o = 0;
  int fwd = t->fwd_owed && t->reachable && (t->k == 0 || t->step || 1);
  *asks = 0;
  if (fwd) { if (room < 5) fwd = 0; else used += 5; }
  for (sw_rel_msg *m; (m = next_new(t, 1)) && used + accounted(m, m->len) <= room;) {   /* unreliable */
    m->flags |= HAS_IDS; pk[np].m = m; pk[np].id = 0; pk[np].k = 0; np++; used += accounted(m, m->len);
  }
  int steps_ok = t->reachable && (t->k == 0 || t->step);
  if (steps_ok) {
    for (uint32_t id = t->floor; id != t->next_id; id++) {                          /* declared lost */
      sw_rel_frag *f = &t->fl[id % SW_WINDOW]; sw_rel_msg *m = owner(t, id);
      if (f->state != LOST || !m) continue;
      size_t a = accounted(m, frag_len(t, m, (int)(id - m->first_id)));
      if (used + a > room) break;
      pk[np].m = m; pk[np].id = id; pk[np].k = (uint8_t)(id - m->first_id); np++; used += a;
    }
  }
  if (steps_ok && t->k == 0) {                                                       /* new fragments */
    for (;;) {
      uint32_t id = t->floor; sw_rel_msg *m = NULL;
      while (id != t->next_id && t->fl[id % SW_WINDOW].state != NEW) id++;
      if (id == t->next_id) {
        m = next_new(t, 0);
        if (!m || t->next_id + m->nfrag - 1 - t->floor >= SW_WINDOW || !may_send_new(t, t->next_id)) break;
        if (used + accounted(m, frag_len(t, m, 0)) > room) break;
        give_ids(t, m);
      } else m = owner(t, id);
      if (!m || !may_send_new(t, id)) break;
      size_t a = accounted(m, frag_len(t, m, (int)(id - m->first_id)));
      if (used + a > room) break;
      t->fl[id % SW_WINDOW].state = INFLIGHT;  /* reserved here, stamped below */
      pk[np].m = m; pk[np].id = id; pk[np].k = (uint8_t)(id - m->first_id); np++; used += a;
    }
  }
  if (fwd) o += sw_forward_put(p + o, t->floor);
  int reliable = 0;
  for (int i = 0; i < np; i++) {
    sw_rel_msg *m = pk[i].m; size_t len = frag_len(t, m, pk[i].k);
    uint8_t fl = (uint8_t)((m->flags & (SW_MSG_R | SW_MSG_O)) | (m->nfrag > 1 ? SW_MSG_F : 0));
    o += sw_msg_put(p + o, fl, m->channel, pk[i].id, m->prev, pk[i].k, m->nfrag, m->len,
                    t->buf + m->off + (size_t)pk[i].k * unit(t), len, i == np - 1);
    if (!pk[i].id) continue;
    sw_rel_frag *f = &t->fl[pk[i].id % SW_WINDOW];
    f->state = INFLIGHT; f->sent = now; if (f->tx < 255) f->tx++;
    if (!m->sent) m->first_sent = now;
    m->sent |= (uint8_t)(1u << pk[i].k);
    reliable = 1;
  }
  for (int i = 0; i < np; i++) if (!pk[i].id) free_msg(t, pk[i].m);                 /* unreliable: gone */
  if (reliable || fwd) {
    *asks = 1;
    t->step = 0; t->fwd_now = 0;
    if (!t->timer_on) { t->timer = now + period(t); t->timer_on = 1; }
  }
  return o;
}
