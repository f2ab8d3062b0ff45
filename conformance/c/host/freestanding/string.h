/* Declarations only, for `make size` with a bare-metal cross compiler that has no C library headers
 * (arm-none-eabi-gcc without newlib): a firmware links its own. */
#ifndef SW_FREESTANDING_STRING_H
#define SW_FREESTANDING_STRING_H
#include <stddef.h>
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
