/* Between the peer layer (node.c) and the message layer (msglayer.c); not part of the API. */
#ifndef SW_INTERNAL_H
#define SW_INTERNAL_H
#include "../saltwire.h"
#define SW_CONTROL_CHANNEL 1
#define SW_PUBLISH_CHANNEL 2
#define SW_RPC_CHANNEL 3
#define SW_DEFAULT_DEADLINE 60000
void swi_emit(sw_node *n, sw_event *e);
void swi_on_message(sw_node *n, uint8_t channel, const uint8_t *d, size_t len);
void swi_on_receipt(sw_node *n, uint16_t ticket, int ok);
int swi_send_sync(sw_node *n);
void swi_renew_ids(sw_node *n);
void swi_tick(sw_node *n, uint32_t now);
uint32_t swi_next_deadline(const sw_node *n, uint32_t best);
uint32_t swi_hash(const uint8_t *p, size_t len);
#endif
