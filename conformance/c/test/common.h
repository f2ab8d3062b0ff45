/* Shared helpers of the vector checker (host only). */
#ifndef SW_TEST_COMMON_H
#define SW_TEST_COMMON_H
#include <stdio.h>
#include <string.h>
#include "json.h"
#include "../saltwire.h"
typedef struct { const char *name; int pass, fail, skip; } tally;
extern int verbose;
#define CHECK(tl, cond, tc, ...) do { if (cond) (tl)->pass++; else { (tl)->fail++; if (verbose || (tl)->fail <= 5) { printf("  FAIL %s #%d: ", (tl)->name, (int)(tc)); printf(__VA_ARGS__); printf("\n"); } } } while (0)
int load(const char *dir, const char *file, json *j);
void hex(char *out, const uint8_t *p, size_t n);
void fmt_frame_c(char *out, const sw_frame *f);
void fmt_frame_json(char *out, const json *j, int t);
int fmt_frames_c(char *out, size_t cap, const uint8_t *pt, size_t n);
void fmt_frames_json(char *out, size_t cap, const json *j, int arr);
int sw_test_open(const json *j, int g, uint8_t *d, size_t n, sw_rx *rx);
void op_from_json(const json *j, int o, sw_op *op, uint8_t *store);
int sw_test_cookie_match(const json *j, int g, int t, void (*step)(void *u, const uint8_t *echo, size_t n, int rc), void *u);
void run_crypto(const char *dir, tally *t);
void run_keys(const char *dir, tally *t);
void run_seal(const char *dir, tally *t);
void run_open(const char *dir, tally *t);
void run_replay(const char *dir, tally *t);
void run_relframes(const char *dir, tally *t);
void run_ops(const char *dir, tally *t);
void run_reldevice(const char *dir, tally *t);
void run_cookie(const char *dir, tally *t);
#endif
