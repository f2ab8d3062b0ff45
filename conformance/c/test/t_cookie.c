/* Vector checks of cookie.json (spec 6.6), the parts a device needs: CookieMessageTest (both messages
 * parsed or dropped, as the device receives them) and CookieMatchTest (which COOKIEs the sender's table
 * accepts, once, from where, and the COOKIE_ECHO; the checker keeps the datagrams and a table of
 * pendingSize slots, where a device keeps one slot and no copy, [SW-6.6-9]). CookieAnswerTest is a
 * node under load's: a device never makes COOKIEs ([SW-6.5-7]), so it is counted as skipped. */
#include <stdlib.h>
#include "common.h"

#define FOR_TESTS(j, g, t) for (int gi = 0, gs = json_get(j, 0, "testGroups"); gi < j->t[gs].size; gi++) \
  for (int g = json_child(j, gs, gi), ti = 0, ts = json_get(j, g, "tests"); ti < j->t[ts].size; ti++) \
    for (int t = json_child(j, ts, ti), once = 1; once; once = 0)
#define TC(t) json_int(j, json_get(j, t, "tcId"))
#define MAXSENT 64

static char addrs[MAXSENT][48]; static int naddrs;
static uint16_t dest(const json *j, int t) {       /* host:port as a small integer, as a host would */
  char a[48]; json_str(j, t, a, sizeof a);
  for (int i = 0; i < naddrs; i++) if (!strcmp(addrs[i], a)) return (uint16_t)i;
  snprintf(addrs[naddrs], sizeof addrs[0], "%s", a);
  return (uint16_t)naddrs++;
}

static uint8_t dg[MAXSENT][1600]; static size_t dgn[MAXSENT];
static sw_cookie_slot slots[MAXSENT]; static int slot_of[MAXSENT];

static void note_all(const json *j, int arr, int n, uint8_t *next, int *count) {
  for (int i = 0; arr >= 0 && i < j->t[arr].size && *count < MAXSENT; i++) {
    int e = json_child(j, arr, i), k = (*count)++;
    dgn[k] = json_hex(j, json_get(j, e, "datagram"), dg[k], sizeof dg[k]);
    uint8_t before = *next; sw_cookie_slot s = slots[before % n];
    sw_cookie_note(slots, n, next, dg[k], dgn[k], dest(j, json_get(j, e, "to")));
    if (*next != before || memcmp(&s, &slots[before % n], sizeof s)) slot_of[before % n] = k;
  }
}

void run_cookie(const char *dir, tally *tl) {
  json J, *j = &J; static uint8_t m[4096], want[4096], out[4096]; char got[9000], exp[9000];
  if (load(dir, "cookie.json", j)) { tl->fail++; return; }
  FOR_TESTS(j, g, t) {
    const char *type = j->s + j->t[json_get(j, g, "type")].start + 1;
    if (!strncmp(type, "CookieAnswerTest", 16)) { tl->skip++; continue; }
    if (!strncmp(type, "CookieMessageTest", 17)) {
      size_t n = json_hex(j, json_get(j, t, "message"), m, sizeof m);
      sw_cookie_msg c; int rc = sw_cookie_parse(m, n, (size_t)json_int(j, json_get(j, g, "maxDatagram")), &c);
      if (json_streq(j, json_get(j, t, "result"), "valid")) {
        int p = json_get(j, t, "parsed"), ok = rc == SW_OK;
        if (ok && c.type == 0x03) {
          hex(got, c.echo, 16); hex(exp, c.cookie, 16); strcat(got, exp);
          json_str(j, json_get(j, p, "echo"), exp, sizeof exp); json_str(j, json_get(j, p, "cookie"), exp + strlen(exp), 40);
          ok = json_streq(j, json_get(j, p, "type"), "COOKIE") && !strcmp(got, exp);
        } else if (ok) {
          hex(got, c.cookie, 16); hex(got + 32, c.inner, c.inner_len);
          json_str(j, json_get(j, p, "cookie"), exp, sizeof exp); json_str(j, json_get(j, p, "inner"), exp + strlen(exp), sizeof exp - 40);
          ok = json_streq(j, json_get(j, p, "type"), "COOKIE_ECHO") && !strcmp(got, exp);
        }
        CHECK(tl, ok, TC(t), "parse: %s", rc == SW_OK ? "fields differ" : sw_reason_name(rc));
      } else CHECK(tl, json_streq(j, json_get(j, t, "reason"), sw_reason_name(rc)), TC(t), "parse: got %s", sw_reason_name(rc));
      continue;
    }
    /* CookieMatchTest: a fresh table with `sent` (and `alsoSent`) noted, then the steps */
    int n = (int)json_int(j, json_get(j, g, "pendingSize")), count = 0, ok = 1;
    uint8_t next = 0;
    if (n < 1 || n > MAXSENT) { tl->fail++; continue; }
    naddrs = 0; memset(slots, 0, sizeof slots);
    note_all(j, json_get(j, g, "sent"), n, &next, &count);
    note_all(j, json_get(j, t, "alsoSent"), n, &next, &count);
    int steps = json_get(j, t, "steps");
    for (int s = 0; s < j->t[steps].size && ok; s++) {
      int st = json_child(j, steps, s);
      size_t len = json_hex(j, json_get(j, st, "message"), m, sizeof m);
      sw_cookie_msg c; int rc = sw_cookie_parse(m, len, 1472, &c), slot = -1;
      if (rc == SW_OK && c.type == 0x03) { slot = sw_cookie_take(slots, n, c.echo, dest(j, json_get(j, st, "from"))); if (slot < 0) rc = SW_UNSOLICITED; }
      else if (rc == SW_OK) rc = SW_MALFORMED;   /* a COOKIE_ECHO is not what this table answers */
      int e = json_get(j, st, "echo");
      if (e >= 0) {
        size_t wn = json_hex(j, e, want, sizeof want), on = 0;
        if (slot >= 0) {   /* the COOKIE_ECHO: 0x60 0x04 COOKIE, the datagram unchanged */
          int k = slot_of[slot];
          out[0] = 0x60; out[1] = 0x04; memcpy(out + 2, c.cookie, 16); memcpy(out + 18, dg[k], dgn[k]); on = 18 + dgn[k];
        }
        ok = slot >= 0 && on == wn && !memcmp(out, want, wn);
        CHECK(tl, ok, TC(t), "step %d: %s", s + 1, slot < 0 ? sw_reason_name(rc) : "another COOKIE_ECHO");
      } else {
        ok = slot < 0 && json_streq(j, json_get(j, st, "reason"), sw_reason_name(rc));
        CHECK(tl, ok, TC(t), "step %d: got %s", s + 1, slot >= 0 ? "a COOKIE_ECHO" : sw_reason_name(rc));
      }
    }
  }
}

/* The same play for the kit's adapter (test/adapter.c, `cookie.match`): g holds pendingSize and sent,
 * t alsoSent and steps (both are the request there). For each step, step() gets the COOKIE_ECHO the
 * table answers (echo, n), or NULL and the drop reason. Returns -1 for a pendingSize out of range. */
int sw_test_cookie_match(const json *j, int g, int t, void (*step)(void *u, const uint8_t *echo, size_t n, int rc), void *u) {
  static uint8_t m[4096], out[4096];
  int n = (int)json_int(j, json_get(j, g, "pendingSize")), count = 0;
  uint8_t next = 0;
  if (n < 1 || n > MAXSENT) return -1;
  naddrs = 0; memset(slots, 0, sizeof slots);
  note_all(j, json_get(j, g, "sent"), n, &next, &count);
  note_all(j, json_get(j, t, "alsoSent"), n, &next, &count);
  int steps = json_get(j, t, "steps");
  for (int s = 0; s < j->t[steps].size; s++) {
    int st = json_child(j, steps, s);
    size_t len = json_hex(j, json_get(j, st, "message"), m, sizeof m);
    sw_cookie_msg c; int rc = sw_cookie_parse(m, len, 1472, &c), slot = -1;
    if (rc == SW_OK && c.type == 0x03) { slot = sw_cookie_take(slots, n, c.echo, dest(j, json_get(j, st, "from"))); if (slot < 0) rc = SW_UNSOLICITED; }
    else if (rc == SW_OK) rc = SW_MALFORMED;
    if (slot >= 0) {
      int k = slot_of[slot];
      out[0] = 0x60; out[1] = 0x04; memcpy(out + 2, c.cookie, 16); memcpy(out + 18, dg[k], dgn[k]);
      step(u, out, 18 + dgn[k], SW_OK);
    } else step(u, NULL, 0, rc);
  }
  return 0;
}
