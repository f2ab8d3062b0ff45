/* The peer layer of a device (spec 9-12) for its one configured peer, the hub: epochs and BOOT at
 * start (5.2), the restart hint (12.2), INDEX and the header form (4.8), challenges and freshness
 * (12.3), STALE answers to a wiped epoch (12.4), liveness (11), and the datagrams that carry the
 * reliability (14.12) and message layers. One datagram in, any number out through sw_node_poll. */
#include <string.h>
#include "internal.h"

#define KEEPALIVE 25000
#define PROBE_AFTER 30000
#define PROBE_INTERVAL 1000
#define PROBE_MAX_INTERVAL 4000
#define UNREACHABLE_AFTER 10000
#define RECOVERY_INTERVAL 5000
#define CHALLENGE_RETRY 1000
#define CHALLENGE_ATTEMPTS 5
#define INDEX_SILENCE 1000
#define INDEX_REPEAT_INTERVAL 1000
#define DUE(t, now) ((int32_t)((now) - (t)) >= 0)
#define DERIVE_INTERVAL 250   /* [SW-6.5-7]: 4 derivations a second for datagrams that have not authenticated, */
#define DERIVE_BURST 4        /* burst 4: what a hub's new start needs, a flood's cost bounded */

void swi_emit(sw_node *n, sw_event *e) { if (n->cfg.on_event) n->cfg.on_event(n, e); }

/* ---- the receiver: one peer (the hub) at one generation, its keys held, no maxEpoch store ---- */
static int is_hub(const sw_node *n, const char *id, size_t len) { return len == n->hub_len && !memcmp(id, n->cfg.hub, len); }
static int key_cb(void *u, const char *id, size_t len, uint8_t gen, uint8_t pk[32]) {
  sw_node *n = u;
  if (!is_hub(n, id, len)) return SW_UNKNOWN_KEY;
  if (gen != n->cfg.gen) return gen < n->cfg.gen ? SW_RETIRED_KEY : SW_UNKNOWN_KEY;
  memcpy(pk, n->cfg.key, 32);
  return SW_OK;
}
static sw_rxctx *ctx_cb(void *u, const char *id, size_t len, uint8_t gen, int create) {
  sw_node *n = u;
  return is_hub(n, id, len) && gen == n->cfg.gen && (n->rx.used || create) ? &n->rx : NULL;
}
static sw_rxctx *index_cb(void *u, uint32_t index) { sw_node *n = u; return n->rx.used && n->rx.index == index ? &n->rx : NULL; }
/* Admission of a single-peer device ([SW-6.5-7]): one bucket (its one source is the hub's address),
 * kept as the time it is next empty (GCRA); never under load, so no COOKIEs to send. */
static int admit_cb(void *u) {
  sw_node *n = u;
  if (DUE(n->adm_tat, n->now)) n->adm_tat = n->now;
  if (n->adm_tat - n->now > (DERIVE_BURST - 1) * DERIVE_INTERVAL) return SW_DERIVE_LIMIT;
  n->adm_tat += DERIVE_INTERVAL;
  return SW_OK;
}

static void rel_deliver(void *u, uint8_t ch, uint32_t first, int ordered, const uint8_t *d, size_t len) {
  (void)first; (void)ordered; swi_on_message(u, ch, d, len);
}
static void rel_receipt(void *u, uint16_t ticket, int ok) { swi_on_receipt(u, ticket, ok); }
static sw_rel_cb callbacks(sw_node *n) { sw_rel_cb cb = {rel_deliver, rel_receipt, n}; return cb; }

static uint8_t random_byte(void) { uint8_t b = 128; sw_port_random(&b, 1); return b; }

/* [SW-5.2-9], [SW-5.2-8], [SW-12.4-3]: persist max(E, current, floor) + 1 before sending under it. */
static int new_epoch(sw_node *n, uint32_t floor) {
  uint32_t e = 0;
  int rc = sw_port_epoch_load(&e);
  if (rc < 0) return SW_ERR_STORAGE;
  if (rc > 0) e = 0;                                       /* missing or invalid: continue from 0 */
  if (n->epoch > e) e = n->epoch;
  if (floor > e) e = floor;
  if (e == 0xffffffffu || sw_port_epoch_store(e + 1) != 0) return SW_ERR_STORAGE;
  n->epoch = e + 1;
  n->counter = 0;
  n->tx_index = 0;                                         /* [SW-4.8-3] */
  sw_traffic_key(n->tk, n->cfg.key, n->cfg.id, n->id_len, n->cfg.hub, n->hub_len, n->epoch, n->boot);
  if (sw_port_random(n->token, 8)) return SW_ERR_STORAGE;  /* [SW-12.4-11]: a new token per epoch */
  n->has_token = 1; n->has_prev = 0; n->chal_sends = 0;
  n->owe_chal = 1; n->chal_at = n->now - CHALLENGE_RETRY;
  sw_event ev = {0}; ev.type = SW_EV_EPOCH; ev.value = n->epoch; swi_emit(n, &ev);
  return SW_OK;
}

int sw_node_start(sw_node *n, const sw_config *cfg, uint32_t now) {
  memset(n, 0, sizeof *n);
  n->cfg = *cfg; n->now = now;
  n->id_len = (uint8_t)strlen(cfg->id); n->hub_len = (uint8_t)strlen(cfg->hub);
  if (!sw_id_valid(cfg->id, n->id_len) || !sw_id_valid(cfg->hub, n->hub_len) || is_hub(n, cfg->id, n->id_len)) return SW_ERR_INVALID;
  if (!n->cfg.keepalive_ms) n->cfg.keepalive_ms = KEEPALIVE;
  if (!n->cfg.probe_after_ms) n->cfg.probe_after_ms = PROBE_AFTER;
  if (!n->cfg.unreachable_after_ms) n->cfg.unreachable_after_ms = UNREACHABLE_AFTER;
  if (sw_port_random(n->boot, 8)) return SW_ERR_STORAGE;   /* [SW-5.2-6] */
  sw_tx_init(&n->tx, SW_BUDGET, 128);
  sw_rx_init(&n->rr, SW_WINDOW, 0, SW_MAX_MESSAGE);
  int rc = new_epoch(n, 0);
  if (rc) return rc;
  /* [SW-12.2-1], [SW-12.2-4]: the restart hint (FULL, PING and CHALLENGE) at once is the first probe
   * of the hub; SYNC declares our limits and subscriptions ([SW-15.5-2]). */
  n->probing = 1; n->probe_start = now; n->probe_at = now; n->probe_iv = PROBE_INTERVAL;
  n->last_heard = n->last_fresh = now; n->last_sent = now; n->adm_tat = now;
  n->started = 1;
  return swi_send_sync(n);
}

static int token_eq(const uint8_t *a, const uint8_t *b) { uint8_t d = 0; for (int i = 0; i < 8; i++) d |= a[i] ^ b[i]; return d == 0; }

static void set_reachable(sw_node *n, int yes) {
  if (n->reachable == (yes ? 1 : 2)) return;
  n->reachable = yes ? 1 : 2;
  n->tx.reachable = (uint8_t)yes;
  sw_event ev = {0}; ev.type = yes ? SW_EV_REACHABLE : SW_EV_UNREACHABLE; swi_emit(n, &ev);
  if (yes && n->need_sync) swi_send_sync(n);               /* [SW-15.5-5] */
}

void sw_node_input(sw_node *n, uint32_t now, uint8_t *d, size_t len) {
  sw_rx rx; sw_frame f, *echo = NULL, *chal = NULL, *stale = NULL, *index = NULL; sw_frame fr[5];
  int ping = 0, nf = 0, r;
  size_t off = 0;
  n->now = now;
  if (!n->started) return;
  if (sw_cookie_is(d, len)) {                              /* 6.6, before the steps of 6.1 */
    sw_cookie_msg m;
    int rc = sw_cookie_parse(d, len, SW_MAX_DATAGRAM, &m);
    if (rc != SW_OK) { n->drops[rc]++; return; }
    if (m.type == 0x04) { sw_node_input(n, now, d + SW_COOKIE_ECHO_OVERHEAD, m.inner_len); return; }  /* never under load: as if alone */
    if (sw_cookie_take(n->ck, 1, m.echo, 0) < 0) { n->drops[SW_UNSOLICITED]++; return; }
    memcpy(n->ck_cookie, m.cookie, SW_COOKIE_LEN); n->ck_owed = 1;   /* [SW-6.6-4], [SW-6.6-9]: at once */
    return;
  }
  sw_receiver recv = {n->cfg.id, n->id_len, SW_MAX_DATAGRAM, SW_REPLAY_MAX, 0, 0, n, key_cb, ctx_cb, index_cb, NULL, admit_cb};
  int rc = sw_open(&recv, d, len, &rx);
  if (rc != SW_OK) { n->drops[rc < SW_REASONS ? rc : 0]++; return; }   /* silence ([SW-6.3-1]) */
  while ((r = sw_frame_next(rx.pt, rx.ptlen, &off, &f)) > 0 && nf < 5) {  /* peer frames first, [SW-9.3-8] */
    if (f.type == SW_F_INDEX) { fr[nf] = f; index = &fr[nf++]; }
    else if (f.type == SW_F_ECHO) { fr[nf] = f; echo = &fr[nf++]; }
    else if (f.type == SW_F_CHALLENGE) { fr[nf] = f; chal = &fr[nf++]; }
    else if (f.type == SW_F_STALE) { fr[nf] = f; stale = &fr[nf++]; }
    else if (f.type == SW_F_PING) ping = 1;
  }
  n->asking = 0;                                           /* an answer came: [SW-4.8-8] */
  n->last_heard = now;
  int echoed = 0, fresh = rx.fresh;                       /* [SW-9.3-8]: ECHO, INDEX, the rest */
  if (echo && ((n->has_token && token_eq(echo->data, n->token)) || (n->has_prev && token_eq(echo->data, n->token_prev)))) {
    echoed = 1;                                            /* [SW-12.3-4], [SW-12.3-7] */
    if (!n->rx.has_fresh || rx.counter < n->rx.fresh_counter) { n->rx.has_fresh = 1; n->rx.fresh_counter = rx.counter; }
    if (!n->rx.has_floor || n->rx.floor < rx.epoch) { n->rx.has_floor = 1; n->rx.floor = rx.epoch; }
    fresh = 1;
    n->has_token = n->has_prev = 0; n->owe_chal = 0; n->chal_sends = 0;
    if (n->probing) { n->probing = 0; }
    sw_tx_end_backoff(&n->tx);                             /* [SW-14.12-17] */
  }
  if (index && index->gen == n->cfg.gen && index->b == n->epoch) n->tx_index = index->a;   /* [SW-4.8-2] */
  if (chal) {                                              /* [SW-12.3-3]: echo it, at once */
    memcpy(n->echo_tok, chal->data, 8); n->owe_echo = 1;
    if (fresh && (!n->has_last_chal || !token_eq(n->last_chal, chal->data))) sw_tx_end_backoff(&n->tx);  /* [SW-14.10-4] */
    memcpy(n->last_chal, chal->data, 8); n->has_last_chal = 1;
  }
  if (ping) n->owe_pong = 1;                               /* [SW-11.2-3] */
  if (stale && stale->gen == n->cfg.gen) n->tx_index = 0;  /* [SW-4.8-10]: the index names another context now */
  if (stale && stale->gen == n->cfg.gen && stale->b >= n->epoch) {
    if (echoed) {                                          /* [SW-12.4-3], [SW-12.4-11] */
      if (new_epoch(n, stale->b) == SW_OK) {
        sw_tx_renumber(&n->tx);                            /* nothing of the stale start was taken */
        swi_renew_ids(n);
        n->owe_hint = 1;                                   /* the hint again; probing unchanged ([SW-12.2-4]) */
      }
    } else { n->owe_chal = 1; }
  }
  if (rx.full) {                                           /* [SW-4.8-6]: name its context with an index */
    if (!n->rx.index) { uint32_t ix = 0; while (!ix) sw_port_random((uint8_t *)&ix, 4); n->rx.index = ix; n->owe_index = 1; }
    else if (DUE(n->last_index_at + INDEX_REPEAT_INTERVAL, now)) n->owe_index = 1;
  }
  if (!fresh) {                                            /* [SW-12.3-1], [SW-14.10-5] */
    if (!n->has_token) { sw_port_random(n->token, 8); n->has_token = 1; n->chal_sends = 0; }
    if (!n->owe_chal) { n->owe_chal = 1; n->chal_at = now - CHALLENGE_RETRY; }
    if (rx.epoch > n->hub_epoch) n->tx_index = 0;          /* [SW-9.3-5]: only the FULL form */
    return;
  }
  sw_rel_cb cb = callbacks(n);
  if (n->hub_epoch && rx.epoch > n->hub_epoch) {           /* the hub restarted: 12.2, [SW-14.7-4] */
    n->tx_index = 0;
    sw_rx_init(&n->rr, SW_WINDOW, 0, SW_MAX_MESSAGE);
    sw_tx_peer_restart(&n->tx);
    sw_event ev = {0}; ev.type = SW_EV_RESTART; swi_emit(n, &ev);
    n->need_sync = 1;
  }
  if (rx.epoch > n->hub_epoch) n->hub_epoch = rx.epoch;
  n->last_fresh = now;                                     /* [SW-11.2-4]: only fresh datagrams count */
  if (!n->probing) set_reachable(n, 1);                    /* once probing, only an ECHO ends it */
  else if (echoed) { n->probing = 0; set_reachable(n, 1); }
  if (n->need_sync) swi_send_sync(n);
  off = 0;
  n->tx.random_byte = random_byte();
  while (sw_frame_next(rx.pt, rx.ptlen, &off, &f) > 0) {   /* [SW-14.10-5]: in order, fresh only */
    if (f.type == SW_F_ACK) sw_tx_on_ack(&n->tx, now, &f, &cb);
    else if (f.type == SW_F_FORWARD) sw_rx_on_forward(&n->rr, now, f.a, &cb);
    else if (f.type == SW_F_MSG) sw_rx_on_msg(&n->rr, now, &f, &cb);
  }
}

static uint32_t jitter(uint32_t iv) { return iv + iv * random_byte() / 2560; }    /* up to 10% */

static void timers(sw_node *n, uint32_t now) {
  sw_rel_cb cb = callbacks(n);
  if (DUE(n->adm_tat, now)) n->adm_tat = now;              /* an idle bucket stays full across clock wrap */
  sw_tx_tick(&n->tx, now, &cb);
  swi_tick(n, now);
  if (!n->probing && DUE(n->last_fresh + n->cfg.probe_after_ms, now)) {    /* [SW-11.2-1] */
    n->probing = 1; n->probe_start = now; n->probe_at = now; n->probe_iv = PROBE_INTERVAL;
  }
  if (n->probing && n->reachable != 2 && DUE(n->probe_start + n->cfg.unreachable_after_ms, now)) set_reachable(n, 0);
}

static int probe_due(const sw_node *n, uint32_t now) { return n->probing && DUE(n->probe_at, now); }
static int chal_due(const sw_node *n, uint32_t now) { return n->owe_chal && DUE(n->chal_at + CHALLENGE_RETRY, now); }
static int keepalive_due(const sw_node *n, uint32_t now) { return DUE(n->last_sent + n->cfg.keepalive_ms, now); }

size_t sw_node_poll(sw_node *n, uint32_t now, uint8_t *out) {
  uint8_t pt[SW_BUDGET];
  size_t o = 0;
  int asks = 0;
  n->now = now;
  if (!n->started) return 0;
  timers(n, now);
  /* A COOKIE accepted: a new FULL datagram that asks for an answer goes behind its cookie, as a
   * device keeps no copy of what it sent ([SW-6.6-9]); the hub's answer (ECHO) resends the rest. */
  int cookie = n->ck_owed, co = cookie ? SW_COOKIE_ECHO_OVERHEAD : 0;
  int probe = probe_due(n, now), chal = cookie || probe || n->owe_hint || chal_due(n, now), keep = keepalive_due(n, now);
  int ping = cookie || probe || n->owe_hint || (keep && DUE(n->last_fresh + n->cfg.keepalive_ms, now));    /* [SW-11.1-2] */
  n->owe_hint = 0;
  int ack = sw_rx_ack_due(&n->rr, now), rel = sw_tx_due(&n->tx);
  if (!(chal || ping || keep || n->owe_echo || n->owe_pong || n->owe_index || ack || rel)) return 0;
  if (n->owe_index) {                                      /* INDEX, ECHO, CHALLENGE, PING: [SW-9.4-2] */
    pt[o++] = SW_F_INDEX;
    uint32_t v[2] = {n->rx.index, n->rx.max_epoch};
    for (int k = 0; k < 2; k++) { pt[o++] = (uint8_t)(v[k] >> 24); pt[o++] = (uint8_t)(v[k] >> 16); pt[o++] = (uint8_t)(v[k] >> 8); pt[o++] = (uint8_t)v[k]; if (!k) pt[o++] = n->rx.gen; }
    n->owe_index = 0; n->last_index_at = now;
  }
  if (n->owe_echo) { pt[o++] = SW_F_ECHO; memcpy(pt + o, n->echo_tok, 8); o += 8; n->owe_echo = 0; }
  if (chal) {
    if (!n->has_token) { sw_port_random(n->token, 8); n->has_token = 1; n->chal_sends = 0; }
    else if (n->chal_sends >= CHALLENGE_ATTEMPTS && !probe) {          /* [SW-12.3-2], [SW-12.3-9] */
      memcpy(n->token_prev, n->token, 8); n->has_prev = 1; sw_port_random(n->token, 8); n->chal_sends = 0;
    }
    pt[o++] = SW_F_CHALLENGE; memcpy(pt + o, n->token, 8); o += 8;
    n->chal_sends++; n->chal_at = now; n->owe_chal = 1; asks = 1;
  }
  if (ping) { pt[o++] = SW_F_PING; asks = 1; }
  if (probe) {
    n->probe_at = now + jitter(n->reachable == 2 ? RECOVERY_INTERVAL : n->probe_iv);
    if (n->probe_iv < PROBE_MAX_INTERVAL) n->probe_iv *= 2;
  }
  size_t room = SW_BUDGET - (19u + n->id_len) - 16u - o - (size_t)co;   /* budgeted for the FULL form ([SW-4.6-7]) */
  if (sw_rx_ack_due(&n->rr, now) || n->rr.ack_owed) { size_t a = sw_rx_build_ack(&n->rr, now, pt + o, room); o += a; room -= a; }
  if (rel || n->tx.fwd_owed) {
    int ra = 0;
    n->tx.random_byte = random_byte();
    o += sw_tx_build(&n->tx, now, pt + o, room, &ra);
    asks |= ra;
  }
  /* FULL until an index is known, and for an asking datagram after silence ([SW-4.8-8], [SW-4.8-9]) */
  uint32_t quiet = n->tx.has_sample && n->tx.rto < INDEX_SILENCE ? n->tx.rto : INDEX_SILENCE;
  int full = cookie || !n->tx_index || (asks && DUE(n->last_heard + INDEX_SILENCE, now)) || (n->asking && DUE(n->ask_since + quiet, now));
  sw_seal_params sp = {n->cfg.id, n->id_len, n->cfg.hub, n->hub_len, n->cfg.gen, n->epoch, n->counter, n->boot, full ? 0 : n->tx_index};
  int len = sw_seal(out + co, SW_BUDGET - (size_t)co, &sp, n->tk, pt, o);
  if (len < 0) return 0;
  if (cookie) {                                            /* COOKIE_ECHO: 0x60 0x04 COOKIE INNER */
    out[0] = 0x60; out[1] = 0x04; memcpy(out + 2, n->ck_cookie, SW_COOKIE_LEN);
    len += co; n->ck_owed = 0;
  } else sw_cookie_note(n->ck, 1, &n->ck_next, out, (size_t)len, 0);   /* [SW-6.6-3]: FULL ones only */
  n->counter++;
  if (n->counter == 0xffffffffu) new_epoch(n, 0);          /* [SW-5.1-2] */
  n->owe_pong = 0;
  n->last_sent = now;
  if (asks && !n->asking) { n->asking = 1; n->ask_since = now; }
  return (size_t)len;
}

uint32_t sw_node_next_deadline(sw_node *n, uint32_t now) {
  uint32_t best = SW_NONE, t;
#define TAKE(x) do { t = (x); if (DUE(t, now)) t = now; if (best == SW_NONE || (int32_t)(t - best) < 0) best = t; } while (0)
  if (n->owe_echo || n->owe_pong || n->owe_index || n->owe_hint || n->ck_owed || sw_tx_due(&n->tx)) return now;
  if ((t = sw_tx_next_deadline(&n->tx, now)) != SW_NONE) TAKE(t);
  if (n->rr.ack_owed) TAKE(n->rr.ack_now ? now : n->rr.ack_due);
  if (n->probing) TAKE(n->probe_at); else TAKE(n->last_fresh + n->cfg.probe_after_ms);
  if (n->probing && n->reachable != 2) TAKE(n->probe_start + n->cfg.unreachable_after_ms);
  if (n->owe_chal) TAKE(n->chal_at + CHALLENGE_RETRY);
  TAKE(n->last_sent + n->cfg.keepalive_ms);
  return swi_next_deadline(n, best);
}
