/* Vector checks of spec 3-7: HMAC/HKDF, key derivation, secretbox, sealing, the receive path, the window. */
#include <stdlib.h>
#include "common.h"

#define FOR_TESTS(j, g, t) for (int gi = 0, gs = json_get(j, 0, "testGroups"); gi < j->t[gs].size; gi++) \
  for (int g = json_child(j, gs, gi), ti = 0, ts = json_get(j, g, "tests"); ti < j->t[ts].size; ti++) \
    for (int t = json_child(j, ts, ti), once = 1; once; once = 0)
#define TC(t) json_int(j, json_get(j, t, "tcId"))
#define VALID(t) json_streq(j, json_get(j, t, "result"), "valid")

void run_crypto(const char *dir, tally *tl) {
  json J, *j = &J; static uint8_t a[4096], b[4096], c[4096], d[4096], out[8192];
  if (load(dir, "hmac_hkdf_sha512.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    int ty = json_get(j, g, "type");
    if (json_streq(j, ty, "HmacSha512Test")) {
      size_t kn = json_hex(j, json_get(j, t, "key"), a, sizeof a), mn = json_hex(j, json_get(j, t, "msg"), b, sizeof b);
      size_t tn = json_hex(j, json_get(j, t, "tag"), c, sizeof c);
      sw_iov m = {b, mn}; sw_crypto_hmac(out, a, kn, &m, 1);
      int eq = tn <= 64 && !memcmp(out, c, tn);
      CHECK(tl, eq == VALID(t), TC(t), "hmac");
    } else {
      size_t in = json_hex(j, json_get(j, t, "ikm"), a, sizeof a), sn = json_hex(j, json_get(j, t, "salt"), b, sizeof b);
      size_t fn = json_hex(j, json_get(j, t, "info"), c, sizeof c), L = (size_t)json_int(j, json_get(j, t, "size"));
      uint8_t prk[64]; sw_hkdf(out, L, b, sn, a, in, c, fn, prk);
      size_t pn = json_hex(j, json_get(j, t, "prk"), d, sizeof d);
      int ok = pn == 64 && !memcmp(prk, d, 64);
      size_t on = json_hex(j, json_get(j, t, "okm"), d, sizeof d);
      ok = ok && on == L && !memcmp(out, d, L);
      CHECK(tl, ok, TC(t), "hkdf");
    }
  }
  if (load(dir, "secretbox.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    uint8_t k[32], n[24];
    json_hex(j, json_get(j, t, "key"), k, 32); json_hex(j, json_get(j, t, "nonce"), n, 24);
    size_t mn = json_hex(j, json_get(j, t, "msg"), a, sizeof a), bn = json_hex(j, json_get(j, t, "box"), b, sizeof b);
    int opened = sw_crypto_open(c, b, bn, n, k) == 0;
    if (VALID(t)) {
      sw_crypto_seal(out, a, mn, n, k);
      CHECK(tl, bn == mn + 16 && !memcmp(out, b, bn) && opened && !memcmp(c, a, mn), TC(t), "secretbox");
    } else CHECK(tl, !opened, TC(t), "secretbox open must fail");
  }
}

/* An id as the vector gives it: `key`, or `keyHex` (the hex of its bytes) for an invalid id that may
 * hold U+0000 or non-ASCII characters. */
static size_t id_of(const json *j, int t, const char *key, char *out, size_t cap) {
  char hk[40]; snprintf(hk, sizeof hk, "%sHex", key);
  int h = json_get(j, t, hk);
  if (h >= 0) { size_t n = json_hex(j, h, (uint8_t *)out, cap - 1); out[n] = 0; return n; }
  return json_str(j, json_get(j, t, key), out, cap);
}

void run_keys(const char *dir, tally *tl) {
  json J, *j = &J;
  if (load(dir, "key_derivation.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    char s[80], r[80]; uint8_t k[32], out[32], exp[32], boot[8];
    int ty = json_get(j, g, "type"), rc;
    if (json_streq(j, ty, "DeviceKeyTest")) {
      size_t n = id_of(j, t, "deviceId", s, sizeof s);
      json_hex(j, json_get(j, t, "siteKey"), k, 32);
      rc = sw_device_key(out, k, s, n, (uint8_t)json_int(j, json_get(j, t, "gen")));
      if (VALID(t)) { json_hex(j, json_get(j, t, "deviceKey"), exp, 32); CHECK(tl, rc == 0 && !memcmp(out, exp, 32), TC(t), "device key"); }
      else CHECK(tl, rc != 0, TC(t), "device key must be refused");
    } else {
      size_t sn = id_of(j, t, "sender", s, sizeof s), rn = id_of(j, t, "receiver", r, sizeof r);
      json_hex(j, json_get(j, t, "pairKey"), k, 32); json_hex(j, json_get(j, t, "boot"), boot, 8);
      rc = sw_traffic_key(out, k, s, sn, r, rn, (uint32_t)json_int(j, json_get(j, t, "epoch")), boot);
      if (VALID(t)) { json_hex(j, json_get(j, t, "trafficKey"), exp, 32); CHECK(tl, rc == 0 && !memcmp(out, exp, 32), TC(t), "traffic key"); }
      else CHECK(tl, rc != 0, TC(t), "traffic key must be refused");
    }
  }
}

void run_seal(const char *dir, tally *tl) {
  json J, *j = &J;
  if (load(dir, "datagram_seal.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    char s[40], r[40]; uint8_t pk[32], tk[32], boot[8], pt[2048], out[2200], exp[2200];
    size_t sn = json_str(j, json_get(j, g, "sender"), s, sizeof s), rn = json_str(j, json_get(j, g, "receiver"), r, sizeof r);
    json_hex(j, json_get(j, g, "pairKey"), pk, 32); json_hex(j, json_get(j, t, "boot"), boot, 8);
    size_t pn = json_hex(j, json_get(j, t, "plaintext"), pt, sizeof pt);
    sw_seal_params sp = {s, (uint8_t)sn, r, (uint8_t)rn, (uint8_t)json_int(j, json_get(j, t, "gen")),
                         (uint32_t)json_int(j, json_get(j, t, "epoch")), (uint32_t)json_int(j, json_get(j, t, "counter")), boot, 0};
    if (json_streq(j, json_get(j, t, "form"), "SHORT")) { sp.index = (uint32_t)json_int(j, json_get(j, t, "index")); if (!sp.index) sp.index = 0xffffffff, sp.epoch = 0; }
    int bad_index = json_streq(j, json_get(j, t, "form"), "SHORT") && json_int(j, json_get(j, t, "index")) == 0;
    sw_traffic_key(tk, pk, s, sn, r, rn, sp.epoch, boot);
    int rc = bad_index ? SW_ERR_INVALID : sw_seal(out, sizeof out, &sp, tk, pt, pn);
    if (VALID(t)) {
      size_t en = json_hex(j, json_get(j, t, "datagram"), exp, sizeof exp);
      CHECK(tl, rc == (int)en && !memcmp(out, exp, en), TC(t), "seal");
    } else CHECK(tl, rc < 0, TC(t), "seal must be refused");
  }
}

/* ---- the receive path against tables of keys and contexts ---- */
typedef struct { char peer[40]; uint8_t gen; uint8_t key[32]; } pairkey;
typedef struct {
  const json *j; int g; int site; uint8_t sk[32]; pairkey pk[32]; int npk;
  sw_rxctx ctx[16]; int nctx;
} ring;

static int gen_policy(ring *k, const char *id, size_t n, int *cur, int *prev, int *grace) {
  const json *j = k->j; char name[40]; memcpy(name, id, n); name[n] = 0;
  int gens = json_get(j, k->g, "generations"), e = json_get(j, gens, name);
  *prev = -1; *grace = 0;
  if (e >= 0) {
    *cur = (int)json_int(j, json_get(j, e, "current"));
    int p = json_get(j, e, "previous"); if (p >= 0 && !json_is_null(j, p)) *prev = (int)json_int(j, p);
    *grace = (int)json_int(j, json_get(j, e, "previousInGrace")) == 1;
    return 1;
  }
  return 0;
}

static int ring_key(void *u, const char *id, size_t n, uint8_t gen, uint8_t out[32]) {
  ring *k = u; int cur = 0, prev, grace, listed = 0, first = -1;
  for (int i = 0; i < k->npk; i++) if (strlen(k->pk[i].peer) == n && !memcmp(k->pk[i].peer, id, n)) { listed = 1; if (first < 0) first = i; }
  if (!listed && !k->site) return SW_UNKNOWN_KEY;                  /* check 2 */
  if (!gen_policy(k, id, n, &cur, &prev, &grace)) cur = listed ? k->pk[first].gen : 0;
  if (!(gen == cur || (prev >= 0 && gen == prev && grace))) return gen < cur ? SW_RETIRED_KEY : SW_UNKNOWN_KEY;
  if (listed) {                                                     /* check 4 */
    for (int i = 0; i < k->npk; i++) if (strlen(k->pk[i].peer) == n && !memcmp(k->pk[i].peer, id, n) && k->pk[i].gen == gen) { memcpy(out, k->pk[i].key, 32); return SW_OK; }
    return SW_UNKNOWN_KEY;
  }
  sw_device_key(out, k->sk, id, n, gen);
  return SW_OK;
}

static sw_rxctx *ring_ctx(void *u, const char *id, size_t n, uint8_t gen, int create) {
  ring *k = u;
  for (int i = 0; i < k->nctx; i++) if (k->ctx[i].used && k->ctx[i].id_len == n && !memcmp(k->ctx[i].id, id, n) && k->ctx[i].gen == gen) return &k->ctx[i];
  if (create && k->nctx < 16) return &k->ctx[k->nctx++];
  return NULL;
}
static sw_rxctx *ring_index(void *u, uint32_t index) {
  ring *k = u;
  for (int i = 0; i < k->nctx; i++) if (k->ctx[i].used && k->ctx[i].index == index) return &k->ctx[i];
  return NULL;
}
static int ring_persisted(void *u, const char *id, size_t n, uint8_t gen, uint32_t *m) {
  ring *k = u; const json *j = k->j; int arr = json_get(j, k->g, "persistedMaxEpochs");
  char name[40];
  for (int i = 0; arr >= 0 && i < j->t[arr].size; i++) {
    int e = json_child(j, arr, i);
    json_str(j, json_get(j, e, "peer"), name, sizeof name);
    if (strlen(name) == n && !memcmp(name, id, n) && json_int(j, json_get(j, e, "gen")) == gen) { *m = (uint32_t)json_int(j, json_get(j, e, "maxEpoch")); return 1; }
  }
  return 0;
}

static const char *REASONS[] = {"OK", "TOO_LARGE", "MALFORMED", "BAD_VERSION", "BAD_FORM", "BAD_FLAGS", "COUNTER_LIMIT",
  "UNKNOWN_KEY", "RETIRED_KEY", "UNKNOWN_INDEX", "STALE_EPOCH", "TOO_OLD", "REPLAY", "AUTH", "MALFORMED_INNER",
  "DERIVE_LIMIT", "STORE_FAILED", "UNSOLICITED", "DROP_OP"};
const char *sw_reason_name(int r) { return r >= 0 && r < SW_REASONS ? REASONS[r] : "?"; }

/* Opens datagram d (n bytes) with the receiver an OpenTest group g describes (its keyring, rotation,
 * restored contexts, persisted epochs): each call starts from that state. Shared with adapter.c, where g
 * is the `receiver` object of an `open` operation. rx points into d and into static state. */
int sw_test_open(const json *j, int g, uint8_t *d, size_t n, sw_rx *rx) {
  static ring k; char tmp[80]; static char rid[40];
  memset(&k, 0, sizeof k); k.j = j; k.g = g;
  int kr = json_get(j, g, "keyring");
  k.site = !json_streq(j, json_get(j, kr, "mode"), "pairs");
  if (k.site) json_hex(j, json_get(j, kr, "siteKey"), k.sk, 32);
  int pks = json_get(j, kr, "pairKeys");
  for (int i = 0; pks >= 0 && i < j->t[pks].size && k.npk < 32; i++) {
    int e = json_child(j, pks, i);
    json_str(j, json_get(j, e, "peer"), k.pk[k.npk].peer, 40); k.pk[k.npk].gen = (uint8_t)json_int(j, json_get(j, e, "gen"));
    json_hex(j, json_get(j, e, "key"), k.pk[k.npk].key, 32); k.npk++;
  }
  uint16_t W = (uint16_t)json_int(j, json_get(j, g, "windowSize"));
  int cs = json_get(j, g, "contexts");
  for (int i = 0; cs >= 0 && i < j->t[cs].size && k.nctx < 16; i++) {
    int e = json_child(j, cs, i); sw_rxctx *c = &k.ctx[k.nctx++];
    c->used = 1; c->id_len = (uint8_t)json_str(j, json_get(j, e, "peer"), tmp, sizeof tmp); memcpy(c->id, tmp, c->id_len);
    c->gen = (uint8_t)json_int(j, json_get(j, e, "gen")); c->max_epoch = (uint32_t)json_int(j, json_get(j, e, "maxEpoch"));
    json_hex(j, json_get(j, e, "boot"), c->boot, 8);
    int fl = json_get(j, e, "floor"); if (!json_is_null(j, fl)) { c->has_floor = 1; c->floor = (uint32_t)json_int(j, fl); }
    int ix = json_get(j, e, "index"); if (!json_is_null(j, ix)) c->index = (uint32_t)json_int(j, ix);
    sw_window_init(&c->win, W);
    int top = json_get(j, e, "top");
    if (!json_is_null(j, top)) {
      sw_window_update(&c->win, (uint32_t)json_int(j, top));
      memset(c->win.bits, 0, sizeof c->win.bits);
      int seen = json_get(j, e, "seen");
      for (int s = 0; s < j->t[seen].size; s++) sw_window_update(&c->win, (uint32_t)json_int(j, json_child(j, seen, s)));
    }
  }
  size_t rn = json_str(j, json_get(j, g, "receiver"), rid, sizeof rid);
  static sw_receiver R;
  sw_receiver r0 = {rid, (uint8_t)rn, (uint32_t)json_int(j, json_get(j, g, "maxDatagram")), W,
                    (uint8_t)(json_int(j, json_get(j, g, "durableMaxEpochs")) == 1), (uint8_t)(json_int(j, json_get(j, g, "staleAnswer")) == 1),
                    &k, ring_key, ring_ctx, ring_index, ring_persisted, NULL};
  R = r0;
  return sw_open(&R, d, n, rx);
}

void run_open(const char *dir, tally *tl) {
  json J, *j = &J; static uint8_t d[70000]; static char a[200000], b[200000];
  if (load(dir, "datagram_open.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    char tmp[80];
    int stale_answer = json_int(j, json_get(j, g, "staleAnswer")) == 1;
    size_t n = json_hex(j, json_get(j, t, "datagram"), d, sizeof d);
    sw_rx rx; int rc = sw_test_open(j, g, d, n, &rx);
    if (VALID(t)) {
      int e = json_get(j, t, "expected"), ok = rc == SW_OK;
      uint8_t pt[70000]; size_t pn = json_hex(j, json_get(j, e, "plaintext"), pt, sizeof pt);
      ok = ok && pn == rx.ptlen && !memcmp(pt, rx.pt, pn) && json_streq(j, json_get(j, e, "freshness"), rx.fresh ? "fresh" : "unknown");
      memcpy(tmp, rx.sender ? rx.sender : "", rx.sender_len); tmp[rx.sender_len] = 0;
      ok = ok && json_streq(j, json_get(j, e, "sender"), tmp) && json_int(j, json_get(j, e, "gen")) == rx.gen &&
           json_int(j, json_get(j, e, "epoch")) == rx.epoch && json_int(j, json_get(j, e, "counter")) == rx.counter;
      if (ok) { fmt_frames_c(a, sizeof a, rx.pt, rx.ptlen); fmt_frames_json(b, sizeof b, j, json_get(j, e, "frames")); ok = !strcmp(a, b); }
      CHECK(tl, ok, TC(t), "open: got %s fresh=%d", sw_reason_name(rc), rx.fresh);
    } else {
      int ok = json_streq(j, json_get(j, t, "reason"), sw_reason_name(rc));
      int st = json_get(j, t, "stale");
      if (ok && st >= 0) {
        const uint8_t *tok = NULL; size_t off = 0; sw_frame f; int r2 = -1;
        if (rx.stale_auth && sw_frames_check(rx.pt, rx.ptlen) == 0) while ((r2 = sw_frame_next(rx.pt, rx.ptlen, &off, &f)) > 0) if (f.type == SW_F_CHALLENGE) tok = f.data;
        char th[20] = ""; if (tok) hex(th, tok, 8);
        int te = json_get(j, st, "token");
        ok = rx.stale_auth && r2 == 0 && json_int(j, json_get(j, st, "gen")) == rx.gen && json_int(j, json_get(j, st, "epoch")) == rx.epoch &&
             json_int(j, json_get(j, st, "floor")) == rx.stale_floor && (json_is_null(j, te) ? !tok : json_streq(j, te, th));
      } else if (ok && rc == SW_STALE_EPOCH && stale_answer) ok = !rx.stale_auth || sw_frames_check(rx.pt, rx.ptlen) < 0;
      CHECK(tl, ok, TC(t), "open: got %s, want %.*s", sw_reason_name(rc), 20, j->s + j->t[json_get(j, t, "reason")].start);
    }
  }
}

void run_replay(const char *dir, tally *tl) {
  json J, *j = &J;
  if (load(dir, "replay_window.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    uint16_t W = (uint16_t)json_int(j, json_get(j, g, "windowSize"));
    int epochs = json_streq(j, json_get(j, g, "type"), "EpochScenario"), ok = 1, steps = json_get(j, t, "steps");
    sw_window w; sw_window_init(&w, W); uint32_t maxe = 0; int has = 0;
    for (int s = 0; s < j->t[steps].size && ok; s++) {
      int st = json_child(j, steps, s);
      uint32_t c = (uint32_t)json_int(j, json_get(j, st, "counter")), e = epochs ? (uint32_t)json_int(j, json_get(j, st, "epoch")) : 0;
      int auth = (int)json_int(j, json_get(j, st, "authentic")) == 1;
      const char *v;
      if (epochs && has && e < maxe) v = "STALE_EPOCH";
      else {
        int rc = (epochs && (!has || e > maxe)) ? SW_OK : sw_window_check(&w, c);
        v = rc != SW_OK ? sw_reason_name(rc) : !auth ? "AUTH" : "accept";
        if (rc == SW_OK && auth) { if (epochs && (!has || e > maxe)) { sw_window_init(&w, W); maxe = e; has = 1; } sw_window_update(&w, c); }
      }
      ok = json_streq(j, json_get(j, st, "expect"), v);
      if (!ok) printf("  step %d: %s\n", s, v);
    }
    CHECK(tl, ok, TC(t), "replay scenario");
  }
}
