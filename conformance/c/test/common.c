#include <stdlib.h>
#include "common.h"

int verbose = 0;
static char *bufs[16]; static int nbufs;
static jtok toks[400000];
static int tok_used;

int load(const char *dir, const char *file, json *j) {
  char path[512]; snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "rb"); if (!f) { printf("cannot open %s\n", path); return -1; }
  fseek(f, 0, SEEK_END); long n = ftell(f); fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1); /* host-side checker: the device code never allocates */
  if (fread(s, 1, (size_t)n, f) != (size_t)n) { fclose(f); return -1; }
  fclose(f); s[n] = 0; bufs[nbufs++ % 16] = s;
  tok_used = 0;
  if (json_parse(j, s, (size_t)n, toks, (int)(sizeof toks / sizeof toks[0])) < 0) { printf("bad json %s\n", path); return -1; }
  return 0;
}

void hex(char *out, const uint8_t *p, size_t n) {
  static const char *d = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) { out[2 * i] = d[p[i] >> 4]; out[2 * i + 1] = d[p[i] & 15]; }
  out[2 * n] = 0;
}

static char *hx(char *o, const uint8_t *p, size_t n) { hex(o, p, n); return o + strlen(o); }

void fmt_frame_c(char *o, const sw_frame *f) {
  switch (f->type) {
  case SW_F_PADDING: sprintf(o, "PADDING(%u)", f->a); break;
  case SW_F_INDEX: sprintf(o, "INDEX(%u,%u,%u)", f->a, f->gen, f->b); break;
  case SW_F_DATAGRAM: o += sprintf(o, "DATAGRAM("); o = hx(o, f->data, f->len); strcpy(o, ")"); break;
  case SW_F_PING: strcpy(o, "PING"); break;
  case SW_F_CHALLENGE: case SW_F_ECHO: o += sprintf(o, f->type == SW_F_ECHO ? "ECHO(" : "CHALLENGE("); o = hx(o, f->data, 8); strcpy(o, ")"); break;
  case SW_F_STALE: sprintf(o, "STALE(%u,%u)", f->gen, f->b); break;
  case SW_F_FORWARD: sprintf(o, "FORWARD(%u)", f->a); break;
  case SW_F_SLEEP: sprintf(o, "SLEEP(%u,%u)", f->a, f->b); break;
  case SW_F_ACK:
    o += sprintf(o, "ACK(%u,%u,%u", f->a, f->b, f->c);
    for (int k = 0; k < f->nranges; k++) { uint32_t s, e; sw_ack_range_get(f, k, &s, &e); o += sprintf(o, ",%u-%u", s, e); }
    strcpy(o, ")"); break;
  case SW_F_MSG:
    o += sprintf(o, "MSG(ch%u", f->channel);
    if (f->flags & SW_MSG_R) o += sprintf(o, ",id%u", f->a);
    if (f->flags & SW_MSG_O) o += sprintf(o, ",prev%u", f->b);
    if (f->flags & SW_MSG_F) o += sprintf(o, ",frag%u/%u/%u", f->c, f->d, f->total);
    *o++ = ','; o = hx(o, f->data, f->len); strcpy(o, ")"); break;
  default: sprintf(o, "?%u", f->type);
  }
}

#define JI(k) ((unsigned)json_int(j, json_get(j, t, k)))
void fmt_frame_json(char *o, const json *j, int t) {
  uint8_t b[70000]; size_t n;
  int ty = json_get(j, t, "type");
  if (json_streq(j, ty, "PADDING")) sprintf(o, "PADDING(%u)", JI("length"));
  else if (json_streq(j, ty, "INDEX")) sprintf(o, "INDEX(%u,%u,%u)", JI("index"), JI("gen"), JI("epoch"));
  else if (json_streq(j, ty, "DATAGRAM")) { n = json_hex(j, json_get(j, t, "data"), b, sizeof b); o += sprintf(o, "DATAGRAM("); o = hx(o, b, n); strcpy(o, ")"); }
  else if (json_streq(j, ty, "PING")) strcpy(o, "PING");
  else if (json_streq(j, ty, "CHALLENGE") || json_streq(j, ty, "ECHO")) {
    n = json_hex(j, json_get(j, t, "token"), b, 8); o += sprintf(o, json_streq(j, ty, "ECHO") ? "ECHO(" : "CHALLENGE("); o = hx(o, b, n); strcpy(o, ")");
  } else if (json_streq(j, ty, "STALE")) sprintf(o, "STALE(%u,%u)", JI("gen"), JI("epoch"));
  else if (json_streq(j, ty, "FORWARD")) sprintf(o, "FORWARD(%u)", JI("floor"));
  else if (json_streq(j, ty, "SLEEP")) sprintf(o, "SLEEP(%u,%u)", JI("wakeIntervalMs"), JI("awakeMs"));
  else if (json_streq(j, ty, "ACK")) {
    o += sprintf(o, "ACK(%u,%u,%u", JI("cum"), JI("window"), JI("delay"));
    int rs = json_get(j, t, "ranges");
    for (int k = 0; rs >= 0 && k < j->t[rs].size; k++) {
      int r = json_child(j, rs, k);
      o += sprintf(o, ",%u-%u", (unsigned)json_int(j, json_get(j, r, "start")), (unsigned)json_int(j, json_get(j, r, "end")));
    }
    strcpy(o, ")");
  } else if (json_streq(j, ty, "MSG")) {
    o += sprintf(o, "MSG(ch%u", JI("channel"));
    if (json_get(j, t, "id") >= 0) o += sprintf(o, ",id%u", JI("id"));
    if (json_get(j, t, "prev") >= 0) o += sprintf(o, ",prev%u", JI("prev"));
    int fr = json_get(j, t, "frag");
    if (fr >= 0) o += sprintf(o, ",frag%u/%u/%u", (unsigned)json_int(j, json_get(j, fr, "index")), (unsigned)json_int(j, json_get(j, fr, "count")), (unsigned)json_int(j, json_get(j, fr, "total")));
    n = json_hex(j, json_get(j, t, "data"), b, sizeof b); *o++ = ','; o = hx(o, b, n); strcpy(o, ")");
  } else strcpy(o, "?");
}

int fmt_frames_c(char *out, size_t cap, const uint8_t *pt, size_t n) {
  size_t off = 0; sw_frame f; int r; out[0] = 0;
  static char one[140000];
  while ((r = sw_frame_next(pt, n, &off, &f)) > 0) {
    fmt_frame_c(one, &f);
    if (strlen(out) + strlen(one) + 2 < cap) { strcat(out, one); strcat(out, " "); }
  }
  return r;
}

void fmt_frames_json(char *out, size_t cap, const json *j, int arr) {
  static char one[140000]; out[0] = 0;
  for (int k = 0; arr >= 0 && k < j->t[arr].size; k++) {
    fmt_frame_json(one, j, json_child(j, arr, k));
    if (strlen(out) + strlen(one) + 2 < cap) { strcat(out, one); strcat(out, " "); }
  }
}
