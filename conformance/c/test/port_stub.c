/* The platform port for the vector checker: an epoch record in memory, randomness from libsodium. */
#include <sodium.h>
#include "common.h"
static uint32_t stored; static int has;
int sw_port_random(uint8_t *buf, size_t n) { randombytes_buf(buf, n); return 0; }
int sw_port_epoch_load(uint32_t *e) { if (!has) return 1; *e = stored; return 0; }
int sw_port_epoch_store(uint32_t e) { stored = e; has = 1; return 0; }
