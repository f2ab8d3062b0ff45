/* A skeleton adapter for the Saltwire conformance kit: copy it, link your library, fill in answer().
 * The protocol is in conformance/README.md, "Writing an adapter"; test/adapter.c is a complete one.
 *
 *   cc -std=c11 -o my_adapter adapter_skeleton.c test/json.c  (plus your library)
 *   saltwire conformance vectors --adapter ./my_adapter
 *
 * Each stdin line is one operation {"id":N,"op":NAME,...}; write exactly one line back, in order:
 * {"id":N,...result} or {"id":N,"unsupported":true}. Logs go to stderr. Bytes are hex strings; the
 * JSON reader of test/json.h gives hex as bytes (json_hex), strings (json_str), numbers (json_int).
 * A group of operations is all-or-nothing: answer all of its operations or none. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test/json.h"

static void put_hex(const char *key, const uint8_t *p, size_t n) {
  printf("\"%s\":\"", key);
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
  printf("\"");
}

/* Writes the result's fields (no braces) and returns 1, or returns 0 (unsupported) having written
 * nothing. Fill in a group at a time. */
static int answer(const json *j, int r) {
  int op = json_get(j, r, "op");
  static uint8_t key[64], msg[65536];
  (void)key; (void)msg; (void)put_hex;
  if (json_streq(j, op, "hmac")) {
    /* size_t kn = json_hex(j, json_get(j, r, "key"), key, sizeof key);
     * size_t mn = json_hex(j, json_get(j, r, "msg"), msg, sizeof msg);
     * uint8_t tag[64]; my_hmac_sha512(tag, key, kn, msg, mn); put_hex("tag", tag, 64); return 1; */
    return 0;
  }
  /* crypto:   hkdf {ikm,salt,info,size} -> prk,okm; secretbox.seal {key,nonce,msg} -> box;
   *           secretbox.open {key,nonce,box} -> msg (or "msg":null)
   * keys:     key.device {siteKey,deviceIdHex,gen} -> deviceKey | "refused":true
   *           key.traffic {pairKey,senderHex,receiverHex,epoch,boot} -> trafficKey | "refused":true
   * envelope: seal {pairKey,sender,receiver,gen,epoch,counter,boot,form,index?,plaintext} -> datagram | "refused":true
   *           open {receiver:{...OpenTest group...},datagram} -> "accept":{...} | "drop":"REASON"
   * replay:   window.run / epoch.run {windowSize,steps} -> "verdicts":[...]
   * optional: frames.decode / frames.encode, op.decode / op.encode */
  return 0;
}

int main(void) {
  static jtok toks[100000]; char *line = NULL; size_t cap = 0; ssize_t len;
  while ((len = getline(&line, &cap, stdin)) > 0) {
    json J;
    if (json_parse(&J, line, (size_t)len, toks, (int)(sizeof toks / sizeof toks[0])) < 0) { printf("{\"error\":\"bad JSON\"}\n"); continue; }
    printf("{\"id\":%lld,", json_int(&J, json_get(&J, 0, "id")));
    /* answer() prints its fields straight to stdout: decide support before printing anything */
    if (!answer(&J, 0)) printf("\"unsupported\":true");
    printf("}\n");
    fflush(stdout);   /* stdout to a pipe is fully buffered: the kit may wait for this reply */
  }
  free(line);
  return 0;
}
