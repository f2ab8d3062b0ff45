/* What a firmware holds, for `make size`: one node and the two datagram buffers in static RAM, and a
 * loop over a radio and a millisecond clock that the board provides (declared, not defined here). */
#include "../saltwire.h"

extern uint32_t board_millis(void);
extern size_t board_recv(uint8_t *buf, size_t cap);
extern void board_send(const uint8_t *buf, size_t len);

static sw_node node;
static uint8_t buf[SW_MAX_DATAGRAM > SW_BUDGET ? SW_MAX_DATAGRAM : SW_BUDGET]; /* in, then out */

static int h_echo(sw_node *n, const sw_str *params, const sw_str *caller, uint8_t *out, size_t cap) {
  (void)n; (void)caller;
  size_t k = params->n < cap ? params->n : 0;
  for (size_t i = 0; i < k; i++) out[i] = params->p[i];
  return (int)k;
}

int firmware_main(const sw_config *cfg) {
  if (sw_node_start(&node, cfg, board_millis())) return -1;
  sw_serve(&node, "echo", h_echo);
  sw_subscribe(&node, board_millis(), "cmd/#", 1);
  for (uint32_t i = 0;; i++) {
    uint32_t now = board_millis();
    size_t n;
    /* [SW-8.4-3] every datagram the radio holds before the timers sw_node_poll runs: after a long
     * flash write, the ACKs that came meanwhile are read before a retransmission timer judges */
    while ((n = board_recv(buf, sizeof buf)) > 0) sw_node_input(&node, now, buf, n);
    if (i % 1000 == 0) sw_publish(&node, now, "sensors/t", (const uint8_t *)"21.5", 4, 1, 0);
    if (i % 5000 == 0) sw_call(&node, now, "hub", "time", 0, 0, 2000, 0);
    while ((n = sw_node_poll(&node, now, buf)) > 0) board_send(buf, n);
  }
}
