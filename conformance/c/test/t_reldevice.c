/* reliability_device.json: a device-profile sender A and a receiver B (device or full profile)
 * driven step by step; after each step A's state is compared with the vector. */
#include <stdlib.h>
#include "common.h"

#define TC(t) json_int(j, json_get(j, t, "tcId"))
typedef struct { char log[4096]; } sink;
static void on_deliver(void *u, uint8_t ch, uint32_t first, int ordered, const uint8_t *d, size_t n) {
  (void)d; sink *s = u; char one[80];
  sprintf(one, "%u/%u/%d/%zu ", ch, first, ordered, n); strcat(s->log, one);
}
static void on_receipt(void *u, uint16_t ticket, int ok) {
  sink *s = u; char one[40];
  if (!ok) { sprintf(one, "failed:%u ", ticket); strcat(s->log, one); }
}

static void want_list(const json *j, int arr, char *out, int delivered) {
  out[0] = 0;
  for (int k = 0; arr >= 0 && k < j->t[arr].size; k++) {
    int e = json_child(j, arr, k); char one[80];
    if (delivered) sprintf(one, "%u/%u/%d/%u ", (unsigned)json_int(j, json_get(j, e, "channel")), (unsigned)json_int(j, json_get(j, e, "id")),
                           (int)json_int(j, json_get(j, e, "ordered")), (unsigned)json_int(j, json_get(j, e, "length")));
    else sprintf(one, "failed:%u ", (unsigned)json_int(j, json_get(j, e, "ticket")));
    strcat(out, one);
  }
}

static int num_or_null(const json *j, int t, long long v, int has) {
  return json_is_null(j, t) ? !has : has && json_int(j, t) == v;
}

void run_reldevice(const char *dir, tally *tl) {
  json J, *j = &J;
  static sw_rel_tx A; static sw_rel_rx B; static uint8_t dg[64][700]; static size_t dn[64]; static char a[100000], b[100000];
  if (load(dir, "reliability_device.json", j)) { tl->fail++; return; }
  int gs = json_get(j, 0, "testGroups");
  for (int gi = 0; gi < j->t[gs].size; gi++) {
    int ts = json_get(j, json_child(j, gs, gi), "tests");
    for (int ti = 0; ti < j->t[ts].size; ti++) {
      int t = json_child(j, ts, ti), cfg = json_get(j, t, "config"), ca = json_get(j, json_get(j, cfg, "A"), "send"), cb_ = json_get(j, cfg, "B");
      size_t room = (size_t)json_int(j, json_get(j, cfg, "room"));
      sw_tx_init(&A, json_get(j, ca, "datagramBudget") >= 0 ? (uint16_t)json_int(j, json_get(j, ca, "datagramBudget")) : 512,
                 (uint8_t)json_int(j, json_get(j, cfg, "randomByte")));
      A.peer_max_message = json_get(j, ca, "peerMaxMessage") >= 0 ? (uint32_t)json_int(j, json_get(j, ca, "peerMaxMessage")) : 65536;
      if (json_get(j, ca, "outboxMessages") >= 0) A.outbox_msgs = (uint16_t)json_int(j, json_get(j, ca, "outboxMessages"));
      if (json_get(j, ca, "outboxBytes") >= 0) A.outbox_bytes = (uint16_t)json_int(j, json_get(j, ca, "outboxBytes"));
      if (json_get(j, ca, "controlReserveMessages") >= 0) A.reserve_msgs = (uint16_t)json_int(j, json_get(j, ca, "controlReserveMessages"));
      if (json_get(j, ca, "controlReserveBytes") >= 0) A.reserve_bytes = (uint16_t)json_int(j, json_get(j, ca, "controlReserveBytes"));
      int full = !json_streq(j, json_get(j, cb_, "profile"), "device");
      /* A hub that defers its acknowledgements ([SW-14.3-9]): a device never does, so B is not played
       * here; its datagrams are the vector's, and what it delivers is not checked. A is, in full. */
      int scripted = json_get(j, cb_, "deferAcks") >= 0;
      int mm = json_get(j, json_get(j, cb_, "receive"), "maxMessage");   /* else the profile's default, capped by the build */
      sw_rx_init(&B, full ? 64 : 8, full ? 20 : 0, mm >= 0 ? (uint16_t)json_int(j, mm) : full ? 65535 : 366);
      sink S; sw_rel_cb cb = {on_deliver, on_receipt, &S};
      int steps = json_get(j, t, "steps"), ok = 1, na = 0, nb = 0;
      for (int si = 0; si < j->t[steps].size && ok; si++) {
        int st = json_child(j, steps, si), ex = json_get(j, st, "expect"), op = json_get(j, st, "do");
        uint32_t now = (uint32_t)json_int(j, json_get(j, st, "t"));
        S.log[0] = 0; a[0] = b[0] = 0;
        const char *what = "";
        if (json_streq(j, op, "send")) {
          int o = json_get(j, st, "opts"); uint8_t buf[4096];
          size_t n = (size_t)json_int(j, json_get(j, st, "size")); memset(buf, (int)json_int(j, json_get(j, st, "fill")), n);
          uint8_t fl = 0;
          if (json_int(j, json_get(j, o, "reliable")) == 0) fl |= SW_SEND_UNRELIABLE;
          if (json_int(j, json_get(j, o, "ordered")) == 1) fl |= SW_MSG_O;
          if (json_int(j, json_get(j, o, "control")) == 1) fl |= SW_SEND_CONTROL;
          uint32_t dl = json_get(j, o, "deadline") >= 0 ? (uint32_t)json_int(j, json_get(j, o, "deadline")) : now + 60000;
          int ch = json_get(j, o, "channel") >= 0 ? (int)json_int(j, json_get(j, o, "channel")) : 0;
          int rc = sw_tx_send(&A, now, (uint8_t)ch, fl, dl, buf, n);
          int e = json_get(j, ex, "error");
          if (e >= 0) ok = (json_streq(j, e, "ERR_OUTBOX_FULL") && rc == SW_ERR_OUTBOX_FULL) || (json_streq(j, e, "ERR_MESSAGE_TOO_LARGE") && rc == SW_ERR_TOO_LARGE);
          else ok = rc == json_int(j, json_get(j, ex, "ticket"));
          what = "send";
        } else if (json_streq(j, op, "poll")) {
          int fromA = json_streq(j, json_get(j, st, "who"), "A");
          uint8_t *p = dg[na + nb]; size_t n = 0; int asks;
          int want = json_get(j, ex, "datagram");
          if (fromA) { if (sw_tx_due(&A)) n = sw_tx_build(&A, now, p, room, &asks); }
          else if (scripted) n = json_is_null(j, want) ? 0 : json_hex(j, json_get(j, ex, "plaintext"), p, 700);
          else if (sw_rx_ack_due(&B, now)) n = sw_rx_build_ack(&B, now, p, room);
          if (json_is_null(j, want)) ok = n == 0;
          else {
            fmt_frames_c(a, sizeof a, p, n); fmt_frames_json(b, sizeof b, j, json_get(j, ex, "frames"));
            uint8_t wp[2000]; size_t wn = json_hex(j, json_get(j, ex, "plaintext"), wp, sizeof wp);
            ok = n > 0 && !strcmp(a, b) && wn == n && !memcmp(wp, p, n);
            char name[8]; json_str(j, want, name, sizeof name);
            int idx = atoi(name + 1) - 1 + (name[0] == 'B' ? 32 : 0);
            memcpy(dg[idx], p, n); dn[idx] = n;
            if (fromA) na++; else nb++;
          }
          what = "poll";
        } else if (json_streq(j, op, "deliver")) {
          char name[8]; json_str(j, json_get(j, st, "datagram"), name, sizeof name);
          int idx = atoi(name + 1) - 1 + (name[0] == 'B' ? 32 : 0);
          size_t off = 0; sw_frame f;
          if (scripted && name[0] == 'A') { what = "deliver"; goto sender; }
          while (sw_frame_next(dg[idx], dn[idx], &off, &f) > 0) {
            if (name[0] == 'A') { if (f.type == SW_F_MSG) sw_rx_on_msg(&B, now, &f, &cb); else if (f.type == SW_F_FORWARD) sw_rx_on_forward(&B, now, f.a, &cb); }
            else if (f.type == SW_F_ACK) sw_tx_on_ack(&A, now, &f, &cb);
          }
          want_list(j, json_get(j, ex, "delivered"), a, 1); strcat(a, "| ");
          want_list(j, json_get(j, ex, "events"), b, 0); strcat(a, b);
          char *bar = strchr(S.log, 'f');  /* failures are listed after deliveries in a; order S.log likewise */
          char got[4096] = "", fails[4096] = "";
          for (char *tok = strtok(S.log, " "); tok; tok = strtok(NULL, " ")) { strcat(tok[0] == 'f' ? fails : got, tok); strcat(tok[0] == 'f' ? fails : got, " "); }
          (void)bar; strcat(got, "| "); strcat(got, fails);
          ok = !strcmp(a, got); if (!ok) strcpy(b, got);
          what = "deliver";
        } else if (json_streq(j, op, "tick")) {
          if (json_streq(j, json_get(j, st, "who"), "A")) sw_tx_tick(&A, now, &cb);
          want_list(j, json_get(j, ex, "events"), a, 0);
          ok = !strcmp(a, S.log); strcpy(b, S.log);
          what = "tick";
        } else if (json_streq(j, op, "reachable")) { A.reachable = (uint8_t)json_int(j, json_get(j, st, "reachable")); what = "reachable"; }
        else if (json_streq(j, op, "echoed")) { sw_tx_end_backoff(&A); what = "echoed"; }
        else if (scripted && json_streq(j, op, "release")) what = "release";
        else { what = "unknown step"; ok = 0; }
        if (!ok) { printf("  step %d %s at %u: want [%s] got [%s]\n", si, what, now, a, b); break; }
      sender:;
        int sd = json_get(j, ex, "sender");
        char fl[200] = "", wf[200] = "";
        for (uint32_t id = A.floor; id != A.next_id; id++) if (A.fl[id % SW_WINDOW].state == 1) sprintf(fl + strlen(fl), "%u,", id);
        int wl = json_get(j, sd, "inFlight");
        for (int k = 0; k < j->t[wl].size; k++) sprintf(wf + strlen(wf), "%u,", (unsigned)json_int(j, json_child(j, wl, k)));
        uint32_t nd = sw_tx_next_deadline(&A, now);
        ok = json_int(j, json_get(j, sd, "rto")) == A.rto && num_or_null(j, json_get(j, sd, "srtt"), A.srtt, A.has_sample) &&
             num_or_null(j, json_get(j, sd, "rttvar"), A.rttvar, A.has_sample) && json_int(j, json_get(j, sd, "backoff")) == A.k &&
             num_or_null(j, json_get(j, sd, "timer"), A.timer, A.timer_on) && !strcmp(fl, wf) &&
             num_or_null(j, json_get(j, sd, "nextDeadline"), nd, nd != SW_NONE);
        if (!ok) printf("  step %d %s at %u: sender rto %u srtt %u/%d rttvar %u K %u timer %u/%d inflight %s next %d; want %.*s\n", si, what, now,
                        A.rto, A.srtt, A.has_sample, A.rttvar, A.k, A.timer, A.timer_on, fl, (int)nd, j->t[sd].end - j->t[sd].start, j->s + j->t[sd].start);
      }
      CHECK(tl, ok, TC(t), "device scenario");
    }
  }
}
