/* Crypto port on libsodium (1.0.18 suffices: secretbox and HMAC-SHA-512; HKDF is built in src/keys.c).
 * A TweetNaCl or hardware port replaces this file alone (spec 7.1, 7.3). */
#include <string.h>
#include <sodium.h>
#include "../saltwire.h"

void sw_crypto_seal(uint8_t *box, const uint8_t *m, size_t mlen, const uint8_t nonce[24], const uint8_t key[32]) {
  crypto_secretbox_easy(box, m, mlen, nonce, key); /* libsodium allows m and box to overlap */
}

int sw_crypto_open(uint8_t *m, const uint8_t *box, size_t blen, const uint8_t nonce[24], const uint8_t key[32]) {
  if (blen < 16) return -1;
  return crypto_secretbox_open_easy(m, box, blen, nonce, key) == 0 ? 0 : -1;
}

void sw_crypto_hmac(uint8_t out[64], const uint8_t *key, size_t klen, const sw_iov *parts, int nparts) {
  crypto_auth_hmacsha512_state st; /* hashes keys over 128 bytes first, as RFC 2104 ([SW-7.3-1]) */
  crypto_auth_hmacsha512_init(&st, key, klen);
  for (int i = 0; i < nparts; i++) crypto_auth_hmacsha512_update(&st, parts[i].p, parts[i].n);
  crypto_auth_hmacsha512_final(&st, out);
  sodium_memzero(&st, sizeof st);
}
