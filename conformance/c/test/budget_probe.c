/* Prints the per-peer state of the device build (`make build/budget.h`): the reliable sender and
 * receiver of the one peer, their buffers included (spec 14.12.5, [SW-14.12-18]). */
#include <stdio.h>
#include "../saltwire.h"

int main(void) {
  printf("%zu\n", sizeof(sw_rel_tx) + sizeof(sw_rel_rx));
  return 0;
}
