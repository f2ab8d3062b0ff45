/* The envelope (spec 4-6): sealing a datagram, and the receive path of 6.1 in its order of checks.
 * Only step 10 changes state; every drop returns its reason of 6.2 and changes nothing. */
#include <string.h>
#include "../saltwire.h"

static void put32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static uint32_t get32(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }

int sw_header_len(const sw_seal_params *sp) { return sp->index ? 9 : 19 + sp->sender_len; }

int sw_seal(uint8_t *out, size_t cap, const sw_seal_params *sp, const uint8_t tk[32], const uint8_t *pt, size_t ptlen) {
  uint8_t nonce[24] = {0};
  size_t h = (size_t)sw_header_len(sp);
  if (sp->counter == 0xffffffffu) return SW_ERR_INVALID;                       /* [SW-4.6-4] */
  if (!sp->index && sp->epoch == 0) return SW_ERR_INVALID;
  if (!sw_id_valid(sp->sender, sp->sender_len)) return SW_ERR_INVALID;
  if (sp->receiver && sp->receiver_len == sp->sender_len && !memcmp(sp->receiver, sp->sender, sp->sender_len))
    return SW_ERR_INVALID;                                                     /* [SW-3.5-3] */
  if (h + 16 + ptlen > cap) return SW_ERR_TOO_LARGE;                           /* [SW-4.6-5] */
  if (sp->index) {
    out[0] = 0x40; put32(out + 1, sp->index); put32(out + 5, sp->counter);
    memcpy(nonce, out, 9);
  } else {
    out[0] = 0x50; out[1] = sp->gen; put32(out + 2, sp->epoch); put32(out + 6, sp->counter);
    memcpy(out + 10, sp->boot, 8); out[18] = sp->sender_len; memcpy(out + 19, sp->sender, sp->sender_len);
    memcpy(nonce, out, 10);
  }
  sw_crypto_seal(out + h, pt, ptlen, nonce, tk);
  return (int)(h + 16 + ptlen);
}

static int ct_eq(const uint8_t *a, const uint8_t *b, size_t n) {
  uint8_t d = 0;
  for (size_t i = 0; i < n; i++) d |= a[i] ^ b[i];
  return d == 0;
}

int sw_open(const sw_receiver *r, uint8_t *d, size_t n, sw_rx *o) {
  uint8_t pk[32], tk[32], nonce[24] = {0};
  size_t h;
  sw_rxctx *ctx = NULL;
  int rc;
  memset(o, 0, sizeof *o);
  if (n > r->max_datagram) return SW_TOO_LARGE;                                 /* step 1 */
  if (n < 1) return SW_MALFORMED;                                               /* step 2 */
  if ((d[0] >> 6) != 1) return SW_BAD_VERSION;
  if (((d[0] >> 4) & 3) > 1) return SW_BAD_FORM;                                /* step 3: SHORT, FULL */
  if (d[0] & 0x0f) return SW_BAD_FLAGS;                                         /* step 4 */
  o->full = (d[0] & 0x10) != 0;
  if (o->full) {                                                                /* step 5 */
    if (n < 19) return SW_MALFORMED;
    uint8_t sl = d[18];
    if (sl < 1 || sl > 32 || n < 19u + sl + 16u || !sw_id_valid((const char *)d + 19, sl)) return SW_MALFORMED;
    o->gen = d[1]; o->epoch = get32(d + 2); o->counter = get32(d + 6); memcpy(o->boot, d + 10, 8);
    o->sender = (const char *)d + 19; o->sender_len = sl;
    if (o->epoch == 0) return SW_MALFORMED;
    h = 19u + sl;
  } else {
    if (n < 25) return SW_MALFORMED;
    o->index = get32(d + 1); o->counter = get32(d + 5);
    h = 9;
  }
  if (o->counter == 0xffffffffu) return SW_COUNTER_LIMIT;                       /* step 6 */
  if (o->full) {                                                                /* step 7a */
    if (o->sender_len == r->id_len && !memcmp(o->sender, r->id, r->id_len)) return SW_UNKNOWN_KEY;
    if ((rc = r->key(r->user, o->sender, o->sender_len, o->gen, pk)) != SW_OK) return rc;
    ctx = r->ctx(r->user, o->sender, o->sender_len, o->gen, 0);
    uint32_t m;                                                                 /* step 7c */
    if (ctx && ctx->used) {
      if (o->epoch < ctx->max_epoch || (o->epoch == ctx->max_epoch && !ct_eq(o->boot, ctx->boot, 8))) rc = SW_STALE_EPOCH;
    } else {
      ctx = NULL;
      if (r->persisted && r->persisted(r->user, o->sender, o->sender_len, o->gen, &m) && o->epoch < m) rc = SW_STALE_EPOCH;
    }
    if (rc == SW_STALE_EPOCH) {
      /* [SW-12.4-9]: authenticate for an answer only, changing nothing */
      if (r->stale_answer && !sw_traffic_key(tk, pk, o->sender, o->sender_len, r->id, r->id_len, o->epoch, o->boot)) {
        memcpy(nonce, d, 10);
        if (sw_crypto_open(d + h + 16, d + h, n - h, nonce, tk) == 0) {
          o->pt = d + h + 16; o->ptlen = n - h - 16;
          o->stale_floor = ctx ? ctx->max_epoch : m;
          o->stale_auth = 1;
        }
      }
      return SW_STALE_EPOCH;
    }
  } else {                                                                      /* step 7b */
    if (o->index == 0 || !(ctx = r->by_index(r->user, o->index)) || !ctx->used) return SW_UNKNOWN_INDEX;
    if ((rc = r->key(r->user, ctx->id, ctx->id_len, ctx->gen, pk)) != SW_OK) return rc;
    o->sender = ctx->id; o->sender_len = ctx->id_len; o->gen = ctx->gen; o->epoch = ctx->max_epoch;
    memcpy(o->boot, ctx->boot, 8);
  }
  int same = ctx && o->epoch == ctx->max_epoch;
  if (same && (rc = sw_window_check(&ctx->win, o->counter)) != SW_OK) return rc;  /* step 7d */
  if (same && ctx->has_tk) memcpy(tk, ctx->tk, 32);                                /* step 8 */
  else {
    if (r->admit && (rc = r->admit(r->user)) != SW_OK) return rc;                 /* [SW-6.5-1] */
    sw_traffic_key(tk, pk, o->sender, o->sender_len, r->id, r->id_len, o->epoch, o->boot);
  }
  memcpy(nonce, d, o->full ? 10 : 9);
  if (sw_crypto_open(d + h + 16, d + h, n - h, nonce, tk) != 0) return SW_AUTH;   /* step 9 */
  o->pt = d + h + 16; o->ptlen = n - h - 16;
  if (!ctx) {                                                                      /* step 10 */
    uint32_t m;
    ctx = r->ctx(r->user, o->sender, o->sender_len, o->gen, 1);
    if (!ctx) return SW_DERIVE_LIMIT;
    memset(ctx, 0, sizeof *ctx);
    ctx->used = 1; ctx->gen = o->gen; ctx->id_len = o->sender_len; memcpy(ctx->id, o->sender, o->sender_len);
    if (r->persisted && r->persisted(r->user, o->sender, o->sender_len, o->gen, &m)) { ctx->has_floor = 1; ctx->floor = m; }
    else if (r->complete_store) { ctx->has_floor = 1; ctx->floor = 0; }
    ctx->max_epoch = 0;
    o->sender = ctx->id;
  }
  if (o->epoch != ctx->max_epoch || !ctx->has_tk) {
    if (o->epoch != ctx->max_epoch) { ctx->index = 0; ctx->has_fresh = 0; }       /* [SW-5.5-3] */
    ctx->max_epoch = o->epoch; memcpy(ctx->boot, o->boot, 8);
    memcpy(ctx->tk, tk, 32); ctx->has_tk = 1;
    if (!same) sw_window_init(&ctx->win, r->window);
  }
  o->sender = ctx->id;
  sw_window_update(&ctx->win, o->counter);
  o->ctx = ctx;
  o->fresh = (ctx->has_floor && ctx->max_epoch > ctx->floor) || (ctx->has_fresh && o->counter >= ctx->fresh_counter);
  if (sw_frames_check(o->pt, o->ptlen) < 0) return SW_MALFORMED_INNER;            /* step 11 */
  return SW_OK;
}
