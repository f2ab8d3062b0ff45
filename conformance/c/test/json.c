#include <string.h>
#include <stdlib.h>
#include "json.h"

static int ws(const char *s, int i, int n) { while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++; return i; }

static int value(json *j, int i, int n);

static int add(json *j, uint8_t type, int start) {
  if (j->n >= j->cap) return -1;
  jtok *t = &j->t[j->n]; t->type = type; t->start = start; t->end = start; t->size = 0; t->next = 0;
  return j->n++;
}

static int string_end(const char *s, int i, int n) { /* i at opening quote; returns index after closing */
  for (i++; i < n; i++) { if (s[i] == '\\') i++; else if (s[i] == '"') return i + 1; }
  return -1;
}

static int value(json *j, int i, int n) {
  const char *s = j->s;
  i = ws(s, i, n);
  if (i >= n) return -1;
  int k;
  if (s[i] == '{' || s[i] == '[') {
    char close = s[i] == '{' ? '}' : ']';
    k = add(j, s[i] == '{' ? J_OBJ : J_ARR, i);
    if (k < 0) return -1;
    i = ws(s, i + 1, n);
    if (i < n && s[i] == close) i++;
    else for (;;) {
      i = ws(s, i, n);
      if (close == '}') {
        int kk = add(j, J_STR, i); if (kk < 0) return -1;
        int e = string_end(s, i, n); if (e < 0) return -1;
        j->t[kk].end = e; j->t[kk].next = j->n;
        i = ws(s, e, n); if (s[i] != ':') return -1;
        i = value(j, i + 1, n); if (i < 0) return -1;
      } else { i = value(j, i, n); if (i < 0) return -1; }
      j->t[k].size++;
      i = ws(s, i, n);
      if (s[i] == ',') { i++; continue; }
      if (s[i] == close) { i++; break; }
      return -1;
    }
    j->t[k].end = i; j->t[k].next = j->n;
    return i;
  }
  if (s[i] == '"') { k = add(j, J_STR, i); if (k < 0) return -1; int e = string_end(s, i, n); if (e < 0) return -1; j->t[k].end = e; j->t[k].next = j->n; return e; }
  uint8_t ty = s[i] == 't' ? J_TRUE : s[i] == 'f' ? J_FALSE : s[i] == 'n' ? J_NULL : J_NUM;
  k = add(j, ty, i); if (k < 0) return -1;
  while (i < n && !strchr(",}] \n\r\t", s[i])) i++;
  j->t[k].end = i; j->t[k].next = j->n;
  return i;
}

int json_parse(json *j, const char *s, size_t len, jtok *toks, int cap) {
  j->s = s; j->t = toks; j->n = 0; j->cap = cap;
  return value(j, 0, (int)len) < 0 ? -1 : 0;
}

int json_get(const json *j, int obj, const char *key) {
  if (obj < 0 || j->t[obj].type != J_OBJ) return -1;
  int t = obj + 1;
  for (int k = 0; k < j->t[obj].size; k++) {
    if (json_streq(j, t, key)) return t + 1;
    t = j->t[t + 1].next;
  }
  return -1;
}

int json_child(const json *j, int arr, int i) {
  if (arr < 0 || i >= j->t[arr].size) return -1;
  int t = arr + 1;
  while (i-- > 0) t = j->t[t].next;
  return t;
}

long long json_int(const json *j, int t) {
  if (t < 0) return -1;
  if (j->t[t].type == J_TRUE) return 1;
  if (j->t[t].type == J_FALSE) return 0;
  if (j->t[t].type == J_NUM) return strtoll(j->s + j->t[t].start, NULL, 10);
  if (j->t[t].type == J_STR) return (long long)strtoull(j->s + j->t[t].start + 1, NULL, 10); /* u64 as decimal strings */
  return -1;
}

int json_is_null(const json *j, int t) { return t < 0 || j->t[t].type == J_NULL; }

static int hexv(char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

size_t json_str(const json *j, int t, char *out, size_t cap) {
  size_t o = 0;
  if (t < 0 || j->t[t].type != J_STR) { if (cap) out[0] = 0; return 0; }
  for (int i = j->t[t].start + 1; i < j->t[t].end - 1 && o + 4 < cap; i++) {
    char c = j->s[i];
    if (c != '\\') { out[o++] = c; continue; }
    c = j->s[++i];
    if (c == 'n') out[o++] = '\n'; else if (c == 't') out[o++] = '\t'; else if (c == 'r') out[o++] = '\r';
    else if (c == 'b') out[o++] = '\b'; else if (c == 'f') out[o++] = '\f';
    else if (c == 'u') {
      unsigned u = 0; for (int k = 1; k <= 4; k++) u = u * 16 + (unsigned)hexv(j->s[i + k]); i += 4;
      if (u >= 0xd800 && u < 0xdc00 && j->s[i + 1] == '\\' && j->s[i + 2] == 'u') {
        unsigned l = 0; for (int k = 3; k <= 6; k++) l = l * 16 + (unsigned)hexv(j->s[i + k]);
        if (l >= 0xdc00 && l < 0xe000) { u = 0x10000 + ((u - 0xd800) << 10) + (l - 0xdc00); i += 6; }
      }
      if (u < 0x80) out[o++] = (char)u;
      else if (u < 0x800) { out[o++] = (char)(0xc0 | u >> 6); out[o++] = (char)(0x80 | (u & 63)); }
      else if (u < 0x10000) { out[o++] = (char)(0xe0 | u >> 12); out[o++] = (char)(0x80 | ((u >> 6) & 63)); out[o++] = (char)(0x80 | (u & 63)); }
      else { out[o++] = (char)(0xf0 | u >> 18); out[o++] = (char)(0x80 | ((u >> 12) & 63)); out[o++] = (char)(0x80 | ((u >> 6) & 63)); out[o++] = (char)(0x80 | (u & 63)); }
    } else out[o++] = c;
  }
  out[o] = 0;
  return o;
}

size_t json_hex(const json *j, int t, uint8_t *out, size_t cap) {
  if (t < 0 || j->t[t].type != J_STR) return 0;
  size_t o = 0;
  for (int i = j->t[t].start + 1; i + 1 < j->t[t].end - 1 + 1 && j->s[i] != '"' && o < cap; i += 2)
    out[o++] = (uint8_t)(hexv(j->s[i]) << 4 | hexv(j->s[i + 1]));
  return o;
}

int json_streq(const json *j, int t, const char *s) {
  if (t < 0 || j->t[t].type != J_STR) return 0;
  size_t n = strlen(s);
  return (size_t)(j->t[t].end - j->t[t].start - 2) == n && !memcmp(j->s + j->t[t].start + 1, s, n);
}
