/*
 * The flooder of bench/flood.ts in C, so that sending 100,000 datagrams a second costs the machine
 * a few percent of a core (sendmmsg, 64 datagrams a call) instead of the whole core a Node flooder
 * takes: on a 2-vCPU machine that core would be taken from the hub and the caller being measured.
 * Same datagrams as the Node flooder in bench/flood-procs.ts (kinds junk, ids, epochs), from
 * `sources` sockets bound to 127.1.x.y. bench/flood-procs.ts compiles it with cc when one exists.
 *
 *   flooder KIND PORT RATE SECONDS SOURCES CALLER_ID
 *
 * Prints {"sent":N,"seconds":S} when done.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RING 2048
#define BATCH 64

static uint32_t x = 0x9e3779b9u;
static uint32_t rnd(void) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static void put32(uint8_t *b, uint32_t v) {
  b[0] = v >> 24;
  b[1] = v >> 16;
  b[2] = v >> 8;
  b[3] = v;
}

static const char ID_CHARS[] = "abcdefghijklmnopqrstuvwxyz0123456789";

int main(int argc, char **argv) {
  if (argc < 7) {
    fprintf(stderr, "usage: flooder KIND PORT RATE SECONDS SOURCES CALLER_ID\n");
    return 2;
  }
  const char *kind = argv[1];
  int port = atoi(argv[2]);
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  int n = atoi(argv[5]);
  const char *caller = argv[6];
  int junk = strcmp(kind, "junk") == 0, ids = strcmp(kind, "ids") == 0;
  x ^= (uint32_t)getpid();

  int *socks = calloc(n, sizeof(int));
  for (int i = 0; i < n; i++) {
    socks[i] = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    char host[32];
    snprintf(host, sizeof host, "127.1.%d.%d", (i >> 8) & 255, (i & 255) + 1);
    inet_pton(AF_INET, host, &a.sin_addr);
    if (socks[i] < 0 || bind(socks[i], (struct sockaddr *)&a, sizeof a) != 0) {
      perror("bind");
      return 1;
    }
  }
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);

  static uint8_t ring[RING][1200];
  static int lens[RING];
  size_t clen = strlen(caller);
  for (int k = 0; k < RING; k++) {
    uint8_t *b = ring[k];
    for (int i = 0; i + 4 <= 1200; i += 4) put32(b + i, rnd());
    if (junk) {
      lens[k] = 20 + rnd() % 1181;
      continue;
    }
    b[0] = 0x50;
    b[1] = 0;
    if (ids) {
      b[18] = 12;
      b[19] = 'd';
      for (int i = 1; i < 12; i++) b[19 + i] = ID_CHARS[rnd() % 36];
      lens[k] = 19 + 12 + 16;
    } else {
      b[18] = (uint8_t)clen;
      memcpy(b + 19, caller, clen);
      lens[k] = 1200;
    }
  }

  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  double t0 = now_ms(), end = t0 + seconds * 1000;
  long sent = 0;
  int k = 0, s = 0;
  for (;;) {
    double t = now_ms();
    if (t >= end) break;
    long due = (long)((t - t0) * rate / 1000.0);
    if (due - sent < BATCH) {
      struct timespec nap = {0, 200000}; /* 0.2 ms */
      nanosleep(&nap, NULL);
      continue;
    }
    while (due - sent >= BATCH) {
      for (int j = 0; j < BATCH; j++, k = (k + 1) % RING) {
        uint8_t *b = ring[k];
        if (junk) {
          put32(b, rnd());
          put32(b + 16, rnd());
        } else {
          put32(b + 2, rnd() | 1); /* EPOCH, never 0 */
          put32(b + 6, rnd() >> 1); /* COUNTER < COUNTER_LIMIT */
          put32(b + 10, rnd()); /* BOOT */
          if (ids) {
            uint32_t r = rnd();
            for (int i = 0; i < 6; i++) b[20 + i] = ID_CHARS[((r >> (i * 5)) & 31) + 4];
          }
        }
        iov[j].iov_base = b;
        iov[j].iov_len = lens[k];
        memset(&msgs[j], 0, sizeof msgs[j]);
        msgs[j].msg_hdr.msg_name = &to;
        msgs[j].msg_hdr.msg_namelen = sizeof to;
        msgs[j].msg_hdr.msg_iov = &iov[j];
        msgs[j].msg_hdr.msg_iovlen = 1;
      }
      int r = sendmmsg(socks[s], msgs, BATCH, 0);
      s = (s + 1) % n;
      sent += r > 0 ? r : BATCH; /* a full socket buffer drops, as the network would */
    }
  }
  printf("{\"sent\":%ld,\"seconds\":%.3f}\n", sent, (now_ms() - t0) / 1000.0);
  return 0;
}
