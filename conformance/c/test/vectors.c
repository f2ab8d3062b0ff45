/* make check: every vector file of the device profile against the C implementation. */
#include <stdlib.h>
#include "common.h"

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : "../vectors";
  if (getenv("SW_VERBOSE")) verbose = 1;
  tally t[] = {{"hmac_hkdf+secretbox", 0, 0, 0}, {"key_derivation", 0, 0, 0}, {"datagram_seal", 0, 0, 0}, {"datagram_open", 0, 0, 0}, {"replay_window", 0, 0, 0},
               {"reliability(frames)", 0, 0, 0}, {"message_ops", 0, 0, 0}, {"reliability_device", 0, 0, 0},
               {"cookie", 0, 0, 0}};
  void (*run[])(const char *, tally *) = {run_crypto, run_keys, run_seal, run_open, run_replay, run_relframes, run_ops, run_reldevice, run_cookie};
  int bad = 0;
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    run[i](dir, &t[i]);
    printf("%-22s %4d passed %4d failed", t[i].name, t[i].pass, t[i].fail);
    if (t[i].skip) printf(" %4d skipped", t[i].skip);
    printf("\n");
    bad |= t[i].fail != 0 || t[i].pass == 0;
  }
  printf(bad ? "vectors: FAILED\n" : "vectors: all passed\n");
  return bad;
}
