/* A small JSON reader for the vector checker (host only): one pass into a flat token array, each token
 * knowing where its subtree ends. Our own (about 150 lines) rather than a vendored one: the vectors need
 * only objects, arrays, strings with \u escapes (ids are hex or ASCII), integers and booleans. */
#ifndef SW_JSON_H
#define SW_JSON_H
#include <stddef.h>
#include <stdint.h>
enum { J_OBJ = 1, J_ARR, J_STR, J_NUM, J_TRUE, J_FALSE, J_NULL };
typedef struct { uint8_t type; int start, end, size, next; } jtok;
typedef struct { const char *s; jtok *t; int n, cap; } json;
int json_parse(json *j, const char *s, size_t len, jtok *toks, int cap);
int json_get(const json *j, int obj, const char *key);          /* value token or -1 */
int json_child(const json *j, int arr, int i);                  /* i-th element or -1 */
long long json_int(const json *j, int t);                       /* number, true=1; -1 for null */
int json_is_null(const json *j, int t);
size_t json_str(const json *j, int t, char *out, size_t cap);   /* decoded UTF-8, NUL-terminated */
size_t json_hex(const json *j, int t, uint8_t *out, size_t cap);
int json_streq(const json *j, int t, const char *s);
#endif
