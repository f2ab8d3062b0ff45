/* Cookies (spec 6.6), the sender's half: parsing the two cookie messages, and the table that decides
 * which COOKIE this node answers. A device never makes COOKIEs: it is never under load (6.5,
 * [SW-6.5-7]); it answers a hub's COOKIE so that it still reaches a hub that is. */
#include <string.h>
#include "../saltwire.h"

#define MIN_ANSWERED 36   /* a FULL header with a 1-byte id and a bare tag ([SW-6.6-2]) */

static int answerable(const uint8_t *d, size_t n) { return n >= MIN_ANSWERED && (d[0] == 0x50 || (d[0] == 0x60 && d[1] == 0x01)); }

int sw_cookie_is(const uint8_t *d, size_t n) { return n >= 2 && d[0] == 0x60 && (d[1] == 0x03 || d[1] == 0x04); }

int sw_cookie_parse(const uint8_t *d, size_t n, size_t max_datagram, sw_cookie_msg *m) {
  memset(m, 0, sizeof *m);
  if (n > max_datagram + SW_COOKIE_ECHO_OVERHEAD) return SW_TOO_LARGE;            /* step 1 */
  if (!sw_cookie_is(d, n)) return SW_MALFORMED;
  m->type = d[1];
  if (d[1] == 0x03) {                                                              /* [SW-6.6-7] */
    if (n != SW_COOKIE_MSG_LEN) return SW_MALFORMED;
    m->echo = d + 2; m->cookie = d + 2 + SW_COOKIE_LEN;
    return SW_OK;
  }
  if (n < SW_COOKIE_ECHO_OVERHEAD || !answerable(d + SW_COOKIE_ECHO_OVERHEAD, n - SW_COOKIE_ECHO_OVERHEAD)) return SW_MALFORMED;  /* step 2 */
  m->cookie = d + 2; m->inner = d + SW_COOKIE_ECHO_OVERHEAD; m->inner_len = n - SW_COOKIE_ECHO_OVERHEAD;
  return SW_OK;
}

void sw_cookie_note(sw_cookie_slot *s, int n, uint8_t *next, const uint8_t *d, size_t len, uint16_t dest) {
  if (!answerable(d, len)) return;           /* SHORT datagrams and cookie messages draw no COOKIE */
  sw_cookie_slot *e = &s[*next % n];
  memcpy(e->tail, d + len - SW_COOKIE_LEN, SW_COOKIE_LEN); e->dest = dest; e->used = 1;
  *next = (uint8_t)((*next + 1) % n);
}

int sw_cookie_take(sw_cookie_slot *s, int n, const uint8_t echo[SW_COOKIE_LEN], uint16_t dest) {
  for (int i = 0; i < n; i++) {
    uint8_t diff = 0;
    if (!s[i].used || s[i].dest != dest) continue;
    for (int k = 0; k < SW_COOKIE_LEN; k++) diff |= s[i].tail[k] ^ echo[k];
    if (diff) continue;
    s[i].used = 0;
    return i;
  }
  return -1;
}
