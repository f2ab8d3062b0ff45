/* The POSIX host of Saltwire-C: a device on a UDP socket, its epoch in a file, driven by line commands
 * on stdin and reporting events as JSON lines on stdout (used by test/conformance/c-device.test.ts).
 *
 *   swdevice --id ID --hub HUBID --key HEX --connect HOST:PORT --state FILE
 *            [--keepalive MS] [--probe-after MS] [--unreachable-after MS] [--live] [--drops FILE]
 *   --live: the live application of `saltwire conformance live` (conformance/README.md): subscribes to
 *           live/down/# at QoS 2 and publishes what it gets there back on live/up/<rest>, same QoS
 *   --drops: writes the drop counters (spec 6.2) to FILE as one JSON object after each datagram
 *   stdin:  pub QOS RETAIN TOPIC PAYLOAD | sub QOS FILTER | call TO METHOD TIMEOUT_MS [PARAMS_HEX] | exit
 *           stream QOS TOPIC COUNT: publishes "0" .. "COUNT-1" to TOPIC as the outbox takes them
 *   stdout: {"event":"listening"|"message"|"result"|"restart"|"reachable"|"unreachable"|"suback"|"receipt"|"epoch"|"ticket", ...}
 *           a sub command answers {"event":"subscribed","rc","req"}: its SUBACK is the suback of that req
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "../saltwire.h"

static const char *state_path, *drops_path;
static unsigned calls_run;
static int live_app;
static sw_node node;
static uint32_t drops_seen;
/* The live application's echoes that found the outbox full, published again as it takes them. */
static struct { char topic[128]; uint8_t payload[256]; size_t n; uint8_t qos; } echoes[16];
static unsigned echo_head, echo_tail;

static void echo_pump(uint32_t now) {
  while (echo_head != echo_tail) {
    int rc = sw_publish(&node, now, echoes[echo_head % 16].topic, echoes[echo_head % 16].payload, echoes[echo_head % 16].n, echoes[echo_head % 16].qos, 0);
    if (rc == SW_ERR_OUTBOX_FULL) return;
    echo_head++;
  }
}

static uint32_t now_ms(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

int sw_port_random(uint8_t *buf, size_t n) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0) return -1;
  ssize_t r = read(fd, buf, n);
  close(fd);
  return r == (ssize_t)n ? 0 : -1;
}

/* The epoch record: 4 bytes big-endian and their complement (the integrity check of [SW-5.2-5]);
 * written to a temporary file, fdatasync'd, renamed, and the directory fsync'd ([SW-5.2-9]). */
int sw_port_epoch_load(uint32_t *e) {
  uint8_t b[8];
  int fd = open(state_path, O_RDONLY);
  if (fd < 0) return errno == ENOENT ? 1 : -1;
  ssize_t r = read(fd, b, 8);
  close(fd);
  if (r != 8) return 1;
  uint32_t v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  uint32_t c = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
  if (c != ~v) return 1;
  *e = v;
  return 0;
}

int sw_port_epoch_store(uint32_t e) {
  char tmp[1024], dir[1024];
  uint8_t b[8] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
  for (int i = 0; i < 4; i++) b[4 + i] = (uint8_t)~b[i];
  snprintf(tmp, sizeof tmp, "%s.tmp", state_path);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  if (write(fd, b, 8) != 8 || fdatasync(fd) != 0) { close(fd); return -1; }
  close(fd);
  if (rename(tmp, state_path) != 0) return -1;
  snprintf(dir, sizeof dir, "%s", state_path);
  char *slash = strrchr(dir, '/');
  if (slash) *slash = 0; else strcpy(dir, ".");
  int dfd = open(dir, O_RDONLY);
  if (dfd < 0) return -1;
  int rc = fsync(dfd);
  close(dfd);
  return rc == 0 ? 0 : -1;
}

static void put_hex(const uint8_t *p, size_t n) { for (size_t i = 0; i < n; i++) printf("%02x", p[i]); }
static void put_str(sw_str s) {
  putchar('"');
  for (uint32_t i = 0; i < s.n; i++) { uint8_t c = s.p[i]; if (c == '"' || c == '\\') printf("\\%c", c); else if (c < 0x20) printf("\\u%04x", c); else putchar(c); }
  putchar('"');
}

static void on_event(sw_node *n, const sw_event *e) {
  (void)n;
  switch (e->type) {
  case SW_EV_MESSAGE:
    if (live_app && e->topic.n > 10 && e->topic.n < 120 && !memcmp(e->topic.p, "live/down/", 10)) {
      /* queued in order behind earlier echoes; a full queue (16) drops the echo */
      if (echo_tail - echo_head < 16 && e->payload.n <= sizeof echoes[0].payload) {
        snprintf(echoes[echo_tail % 16].topic, sizeof echoes[0].topic, "live/up/%.*s", (int)(e->topic.n - 10), (const char *)e->topic.p + 10);
        memcpy(echoes[echo_tail % 16].payload, e->payload.p, e->payload.n);
        echoes[echo_tail % 16].n = e->payload.n; echoes[echo_tail % 16].qos = e->qos;
        echo_tail++;
      }
    }
    printf("{\"event\":\"message\",\"topic\":"); put_str(e->topic);
    printf(",\"payload\":"); put_str(e->payload);
    printf(",\"qos\":%u,\"retain\":%s,\"from\":", e->qos, e->retain ? "true" : "false"); put_str(e->from); printf("}\n");
    break;
  case SW_EV_RESULT:
    printf("{\"event\":\"result\",\"id\":\"%llu\",\"outcome\":%u,\"body\":\"", (unsigned long long)e->id, e->outcome);
    put_hex(e->payload.p, e->payload.n); printf("\"}\n");
    break;
  case SW_EV_RESTART: printf("{\"event\":\"restart\"}\n"); break;
  case SW_EV_REACHABLE: printf("{\"event\":\"reachable\"}\n"); break;
  case SW_EV_UNREACHABLE: printf("{\"event\":\"unreachable\"}\n"); break;
  case SW_EV_SUBACK: printf("{\"event\":\"suback\",\"req\":%u}\n", e->value); break;
  case SW_EV_RECEIPT: printf("{\"event\":\"receipt\",\"ticket\":%u,\"ok\":%s}\n", e->ticket, e->ok ? "true" : "false"); break;
  case SW_EV_EPOCH: printf("{\"event\":\"epoch\",\"epoch\":%u}\n", e->value); break;
  default: break;
  }
  fflush(stdout);
}

/* RPC handlers: echo returns its params (nil when none); count returns how many calls ran. */
static int h_echo(sw_node *n, const sw_str *params, const sw_str *caller, uint8_t *out, size_t cap) {
  (void)n; (void)caller; calls_run++;
  if (params->n == 0) { out[0] = 0xc0; return 1; }
  if (params->n > cap) return -1;
  memcpy(out, params->p, params->n);
  return (int)params->n;
}
static int h_count(sw_node *n, const sw_str *params, const sw_str *caller, uint8_t *out, size_t cap) {
  (void)n; (void)params; (void)caller; (void)cap; calls_run++;
  out[0] = 0xce; out[1] = (uint8_t)(calls_run >> 24); out[2] = (uint8_t)(calls_run >> 16); out[3] = (uint8_t)(calls_run >> 8); out[4] = (uint8_t)calls_run;
  return 5;
}

/* Names of spec 6.2 in the order of enum sw_reason (DROP_OP: an operation the message layer dropped). */
static const char *const REASON_NAMES[SW_REASONS] = {"OK", "TOO_LARGE", "MALFORMED", "BAD_VERSION", "BAD_FORM", "BAD_FLAGS", "COUNTER_LIMIT",
  "UNKNOWN_KEY", "RETIRED_KEY", "UNKNOWN_INDEX", "STALE_EPOCH", "TOO_OLD", "REPLAY", "AUTH", "MALFORMED_INNER", "DERIVE_LIMIT", "STORE_FAILED",
  "UNSOLICITED", "DROP_OP"};

/* The drop counters as {"REASON": count, ...}, rewritten when they change (the live runner reads them). */
static void write_drops(void) {
  uint32_t total = 0;
  for (int r = 1; r < SW_REASONS; r++) total += node.drops[r];
  if (!drops_path || (total == drops_seen && total)) return;
  drops_seen = total;
  char tmp[1024]; snprintf(tmp, sizeof tmp, "%s.tmp", drops_path);
  FILE *f = fopen(tmp, "w");
  if (!f) return;
  fputc('{', f);
  for (int r = 1; r < SW_REASONS; r++) fprintf(f, "%s\"%s\":%u", r > 1 ? "," : "", REASON_NAMES[r], node.drops[r]);
  fputs("}\n", f);
  fclose(f);
  rename(tmp, drops_path);
}

static int unhex(const char *s, uint8_t *out, size_t cap) {
  size_t n = strlen(s);
  if (n % 2 || n / 2 > cap) return -1;
  for (size_t i = 0; i < n / 2; i++) { unsigned v; if (sscanf(s + 2 * i, "%2x", &v) != 1) return -1; out[i] = (uint8_t)v; }
  return (int)(n / 2);
}

static struct { char topic[128]; int qos, next, count; } stream;

static void pump(uint32_t now) {   /* the stream command: as many as the outbox takes now */
  while (stream.next < stream.count) {
    char p[16]; snprintf(p, sizeof p, "%d", stream.next);
    int rc = sw_publish(&node, now, stream.topic, (const uint8_t *)p, strlen(p), (uint8_t)stream.qos, 0);
    if (rc == SW_ERR_OUTBOX_FULL) return;
    printf("{\"event\":\"ticket\",\"topic\":\"%s\",\"payload\":\"%s\",\"ticket\":%d}\n", stream.topic, p, rc);
    stream.next++;
  }
  fflush(stdout);
}
static uint8_t out[SW_BUDGET], in[2048];

static int command(char *line, uint32_t now) {
  char *cmd = strtok(line, " \n");
  if (!cmd) return 0;
  if (!strcmp(cmd, "exit")) return 1;
  if (!strcmp(cmd, "pub")) {
    char *q = strtok(NULL, " "), *r = strtok(NULL, " "), *t = strtok(NULL, " "), *p = strtok(NULL, "\n");
    if (!q || !r || !t) return 0;
    if (!p) p = "";
    int rc = sw_publish(&node, now, t, (const uint8_t *)p, strlen(p), (uint8_t)atoi(q), atoi(r));
    printf("{\"event\":\"ticket\",\"topic\":\"%s\",\"payload\":\"%s\",\"ticket\":%d}\n", t, p, rc);
  } else if (!strcmp(cmd, "stream")) {
    char *q = strtok(NULL, " "), *t = strtok(NULL, " "), *c = strtok(NULL, " \n");
    if (!q || !t || !c) return 0;
    snprintf(stream.topic, sizeof stream.topic, "%s", t); stream.qos = atoi(q); stream.next = 0; stream.count = atoi(c);
    pump(now);
  } else if (!strcmp(cmd, "sub")) {
    char *q = strtok(NULL, " "), *f = strtok(NULL, " \n");
    /* req: the SUBSCRIBE's, so that a driver waits for its SUBACK, not for a SYNC's answered meanwhile */
    if (q && f) { int rc = sw_subscribe(&node, now, f, (uint8_t)atoi(q)); printf("{\"event\":\"subscribed\",\"rc\":%d,\"req\":%u}\n", rc, (unsigned)node.req); }
  } else if (!strcmp(cmd, "call")) {
    char *to = strtok(NULL, " "), *m = strtok(NULL, " "), *tm = strtok(NULL, " \n"), *ph = strtok(NULL, " \n");
    uint8_t params[256]; int pn = ph ? unhex(ph, params, sizeof params) : 0; uint64_t id = 0;
    if (!to || !m || !tm || pn < 0) return 0;
    int rc = sw_call(&node, now, to, m, params, (size_t)pn, (uint32_t)atoi(tm), &id);
    printf("{\"event\":\"called\",\"id\":\"%llu\",\"rc\":%d}\n", (unsigned long long)id, rc);
  }
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  const char *id = NULL, *hub = "hub", *keyhex = NULL, *connect_to = NULL;
  sw_config cfg = {0};
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--id")) id = argv[i + 1];
    else if (!strcmp(argv[i], "--hub")) hub = argv[i + 1];
    else if (!strcmp(argv[i], "--key")) keyhex = argv[i + 1];
    else if (!strcmp(argv[i], "--connect")) connect_to = argv[i + 1];
    else if (!strcmp(argv[i], "--state")) state_path = argv[i + 1];
    else if (!strcmp(argv[i], "--keepalive")) cfg.keepalive_ms = (uint32_t)atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--probe-after")) cfg.probe_after_ms = (uint32_t)atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--unreachable-after")) cfg.unreachable_after_ms = (uint32_t)atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--drops")) drops_path = argv[i + 1];
    else if (!strcmp(argv[i], "--live")) { live_app = 1; i--; }
  }
  uint8_t key[32];
  if (!id || !keyhex || !connect_to || !state_path || unhex(keyhex, key, 32) != 32) {
    fprintf(stderr, "usage: swdevice --id ID --hub HUBID --key HEX --connect HOST:PORT --state FILE\n");
    return 2;
  }
  char host[256]; snprintf(host, sizeof host, "%s", connect_to);
  char *colon = strrchr(host, ':'); if (!colon) return 2; *colon = 0;
  struct sockaddr_in to = {0}; to.sin_family = AF_INET; to.sin_port = htons((uint16_t)atoi(colon + 1));
  if (inet_pton(AF_INET, host, &to.sin_addr) != 1) return 2;
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&to, sizeof to) != 0) { perror("socket"); return 3; }
  cfg.id = id; cfg.hub = hub; cfg.key = key; cfg.on_event = on_event;
  uint32_t now = now_ms();
  int rc = sw_node_start(&node, &cfg, now);
  if (rc) { fprintf(stderr, "start failed: %d\n", rc); return 3; }
  if (live_app) sw_subscribe(&node, now, "live/down/#", 2);
  write_drops();
  sw_serve(&node, "echo", h_echo);
  sw_serve(&node, "count", h_count);
  struct sockaddr_in me; socklen_t ml = sizeof me; getsockname(fd, (struct sockaddr *)&me, &ml);
  printf("{\"event\":\"listening\",\"port\":%u,\"epoch\":%u}\n", ntohs(me.sin_port), node.epoch);
  fflush(stdout);
  char line[1024]; size_t ll = 0;
  for (;;) {
    now = now_ms();
    size_t n;
    /* [SW-8.4-3] input first: after a stall of this process, the timers sw_node_poll runs must not
     * judge the peer by datagrams still waiting in the socket (a burst, then one round of answers) */
    int got = 0;
    for (;;) {
      ssize_t r = recv(fd, in, sizeof in, MSG_DONTWAIT);
      if (r < 0) break;
      sw_node_input(&node, now, in, (size_t)r);
      got = 1;
    }
    if (got) write_drops();
    while ((n = sw_node_poll(&node, now, out)) > 0) send(fd, out, n, 0);
    pump(now);
    echo_pump(now);
    while ((n = sw_node_poll(&node, now, out)) > 0) send(fd, out, n, 0);
    uint32_t next = sw_node_next_deadline(&node, now);
    int wait = next == SW_NONE ? 1000 : (int)(next - now);
    if ((stream.next < stream.count || echo_head != echo_tail) && wait > 20) wait = 20;
    if (wait < 0) wait = 0;
    if (wait > 1000) wait = 1000;
    struct pollfd pf[2] = {{fd, POLLIN, 0}, {0, POLLIN, 0}};
    if (poll(pf, 2, wait) < 0 && errno != EINTR) return 4;
    /* a datagram that woke poll() is read at the top of the loop, before the timers run */
    if (pf[1].revents & (POLLIN | POLLHUP)) {
      ssize_t r = read(0, line + ll, sizeof line - ll - 1);
      if (r <= 0) return 0;
      ll += (size_t)r; line[ll] = 0;
      char *nl;
      while ((nl = strchr(line, '\n'))) {
        *nl = 0;
        if (command(line, now)) return 0;
        memmove(line, nl + 1, ll - (size_t)(nl + 1 - line) + 1);
        ll -= (size_t)(nl + 1 - line);
      }
    }
  }
}
