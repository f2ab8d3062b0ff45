/* Keys (spec 3): HKDF-SHA-512 over the port's HMAC (RFC 5869), node ids, device and traffic keys;
 * and the replay window of spec 5.4 (a ring of SW_REPLAY_MAX bits, W at most that). */
#include <string.h>
#include "../saltwire.h"

void sw_hkdf(uint8_t *okm, size_t L, const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
             const uint8_t *info, size_t infolen, uint8_t prk_out[64]) {
  uint8_t prk[64], t[64];
  sw_iov in = {ikm, ilen};
  sw_crypto_hmac(prk, salt, slen, &in, 1);              /* Extract: HMAC(salt, IKM) */
  if (prk_out) memcpy(prk_out, prk, 64);
  size_t done = 0, tlen = 0;
  for (uint8_t i = 1; done < L; i++) {                  /* Expand: T(i) = HMAC(PRK, T(i-1) || info || i) */
    sw_iov parts[3] = {{t, tlen}, {info, infolen}, {&i, 1}};
    sw_crypto_hmac(t, prk, 64, parts, 3);
    tlen = 64;
    size_t k = L - done < 64 ? L - done : 64;
    memcpy(okm + done, t, k);
    done += k;
  }
  memset(prk, 0, sizeof prk);
  memset(t, 0, sizeof t);
}

int sw_id_valid(const char *id, size_t n) {
  if (n < 1 || n > 32) return 0;
  for (size_t i = 0; i < n; i++) {
    char c = id[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return 0;
  }
  return 1;
}

static const char DEVICE_LABEL[] = "saltwire/v1 device key";
static const char TRAFFIC_LABEL[] = "saltwire/v1 traffic key";

int sw_device_key(uint8_t dk[32], const uint8_t sk[32], const char *id, size_t n, uint8_t gen) {
  uint8_t info[34];
  if (!sw_id_valid(id, n)) return -1;
  info[0] = (uint8_t)n;
  memcpy(info + 1, id, n);
  info[1 + n] = gen;
  sw_hkdf(dk, 32, (const uint8_t *)DEVICE_LABEL, sizeof DEVICE_LABEL - 1, sk, 32, info, n + 2, NULL);
  return 0;
}

int sw_traffic_key(uint8_t tk[32], const uint8_t pk[32], const char *s, size_t sn, const char *r, size_t rn,
                   uint32_t epoch, const uint8_t boot[8]) {
  uint8_t info[78], *p = info;
  if (!sw_id_valid(s, sn) || !sw_id_valid(r, rn)) return -1;
  *p++ = (uint8_t)sn; memcpy(p, s, sn); p += sn;
  *p++ = (uint8_t)rn; memcpy(p, r, rn); p += rn;
  *p++ = (uint8_t)(epoch >> 24); *p++ = (uint8_t)(epoch >> 16); *p++ = (uint8_t)(epoch >> 8); *p++ = (uint8_t)epoch;
  memcpy(p, boot, 8); p += 8;
  sw_hkdf(tk, 32, (const uint8_t *)TRAFFIC_LABEL, sizeof TRAFFIC_LABEL - 1, pk, 32, info, (size_t)(p - info), NULL);
  return 0;
}

/* ---- replay window: bit (c mod SW_REPLAY_MAX) set means c was accepted, for c in (top - W, top] ---- */
#define BIT(w, c) ((w)->bits[((c) % SW_REPLAY_MAX) / 8] & (1u << ((c) % 8)))

void sw_window_init(sw_window *w, uint16_t size) {
  memset(w, 0, sizeof *w);
  w->size = size > SW_REPLAY_MAX ? SW_REPLAY_MAX : size;
  w->empty = 1;
}

int sw_window_check(const sw_window *w, uint32_t c) {
  if (w->empty || c > w->top) return SW_OK;
  if (w->top - c >= w->size) return SW_TOO_OLD;
  return BIT(w, c) ? SW_REPLAY : SW_OK;
}

void sw_window_update(sw_window *w, uint32_t c) {
  if (w->empty || c > w->top) {
    if (w->empty || c - w->top >= SW_REPLAY_MAX) memset(w->bits, 0, sizeof w->bits);
    else for (uint32_t x = w->top + 1; x != c + 1; x++) w->bits[(x % SW_REPLAY_MAX) / 8] &= (uint8_t)~(1u << (x % 8));
    w->top = c;
    w->empty = 0;
  }
  if (w->top - c < w->size) w->bits[(c % SW_REPLAY_MAX) / 8] |= (uint8_t)(1u << (c % 8));
}
