/*
 * saltwire.h: the one public header of Saltwire-C, a device-profile implementation of the Saltwire
 * protocol, version 1 (spec/ of this repository), written from the specification alone.
 *
 * C11, no malloc, fixed buffers, one state struct per node (sw_node) that the caller allocates.
 * Layers, each usable on its own: crypto port (secretbox, HMAC-SHA-512, random), keys (HKDF,
 * spec 3), envelope (seal/open, spec 4-6), replay window (5.4), frames (4.7, 9.4, 12.4, 14.2),
 * operations (15.3), device-profile reliability (14.12), and the node (peer layer 9-12, pub/sub 15,
 * RPC 16) that talks to one hub. Nothing here blocks, reads a clock or touches a socket: the caller
 * passes the time in ms and moves datagrams (host/posix.c is the POSIX host).
 *
 * Buffers: the caller owns every buffer it passes; returned pointers point into the caller's
 * buffers (zero copy) and live as long as they do.
 */
#ifndef SALTWIRE_H
#define SALTWIRE_H

#include <stddef.h>
#include <stdint.h>

/* ---- build-time sizes (device defaults, spec 20.3; override with -D) ---- */
#ifndef SW_REPLAY_MAX
#define SW_REPLAY_MAX 64          /* bits of the replay window ring; W <= this (MIN_REPLAY_WINDOW 64) */
#endif
#ifndef SW_MAX_DATAGRAM
#define SW_MAX_DATAGRAM 512       /* largest datagram taken and declared in SYNC (MIN_MAX_DATAGRAM) */
#endif
#ifndef SW_BUDGET
#define SW_BUDGET 512             /* datagram budget of what we send (MIN_DATAGRAM_BUDGET) */
#endif
#define SW_FRAGMENT_RESERVE 146
#define SW_WINDOW 8               /* DEVICE_WINDOW, DEVICE_RECEIVE_WINDOW */
#define SW_ACK_RANGES 4           /* DEVICE_MAX_ACK_RANGES */
#ifndef SW_OUTBOX_MSGS
#define SW_OUTBOX_MSGS 8
#endif
#ifndef SW_OUTBOX_BYTES
#define SW_OUTBOX_BYTES 1024
#endif
#define SW_RESERVE_MSGS 2         /* DEVICE_CONTROL_RESERVE */
#define SW_RESERVE_BYTES 256
#ifndef SW_HOLD_BYTES
#define SW_HOLD_BYTES 512         /* DEVICE_HOLD_BACK_BYTES; slots = SW_WINDOW */
#endif
#ifndef SW_MAX_MESSAGE
#define SW_MAX_MESSAGE 366        /* DEVICE MAX_MESSAGE, declared in SYNC: one fragment's payload at a 512-byte budget */
#endif
/* A MAX_MESSAGE above the smallest fragment payload (MIN_DATAGRAM_BUDGET 512 - FRAGMENT_RESERVE 146)
 * needs a reassembly buffer of MAX_MESSAGE bytes; at or below it nothing sent to us is fragmented
 * ([SW-14.12-11]), and the buffer and its state are left out. */
#define SW_REASSEMBLY (SW_MAX_MESSAGE > 512 - 146)
#define SW_SEND_MAX (SW_MAX_MESSAGE > 512 ? SW_MAX_MESSAGE : 512)   /* largest operation we encode (stack) */
#define SW_CHANNELS 4             /* ordered channels remembered (PREV / last delivered) */
#define SW_MAX_SUBS 8
#define SW_SUB_BYTES 128          /* filters of all subscriptions together (8 of 16 bytes on average) */
#define SW_DEDUPE 8               /* QoS 2 (publisher, PUB_ID) entries kept */
#define SW_RPC_CACHE 4
#define SW_RPC_CACHE_BODY 24
#define SW_RPC_HANDLERS 4
#define SW_CALLS 4

/* ---- drop reasons (spec 6.2) and errors ---- */
enum sw_reason {
  SW_OK = 0, SW_TOO_LARGE, SW_MALFORMED, SW_BAD_VERSION, SW_BAD_FORM, SW_BAD_FLAGS, SW_COUNTER_LIMIT,
  SW_UNKNOWN_KEY, SW_RETIRED_KEY, SW_UNKNOWN_INDEX, SW_STALE_EPOCH, SW_TOO_OLD, SW_REPLAY, SW_AUTH,
  SW_MALFORMED_INNER, SW_DERIVE_LIMIT, SW_STORE_FAILED, SW_UNSOLICITED, SW_DROP_OP, SW_REASONS,
  /* API errors (negative) */
  SW_ERR_INVALID = -1, SW_ERR_TOO_LARGE = -2, SW_ERR_OUTBOX_FULL = -3, SW_ERR_STORAGE = -4,
  SW_ERR_UNREACHABLE = -5, SW_ERR_BUSY = -6
};
const char *sw_reason_name(int reason);

/* ---- port: provided by the platform (crypto/sodium.c, host/posix.c) ---- */
typedef struct { const uint8_t *p; size_t n; } sw_iov;
/* box = tag(16) || ciphertext; box may equal m - 16 (in place). */
void sw_crypto_seal(uint8_t *box, const uint8_t *m, size_t mlen, const uint8_t nonce[24], const uint8_t key[32]);
/* returns 0 and writes mlen = blen - 16 bytes to m (m may equal box + 16), or -1. */
int sw_crypto_open(uint8_t *m, const uint8_t *box, size_t blen, const uint8_t nonce[24], const uint8_t key[32]);
void sw_crypto_hmac(uint8_t out[64], const uint8_t *key, size_t klen, const sw_iov *parts, int nparts);
int sw_port_random(uint8_t *buf, size_t n);        /* CSPRNG; 0 ok */
/* epoch record (spec 5.2): load returns 0 and *e, 1 when missing or invalid, -1 on a storage fault;
 * store returns 0 only once the value is durable. */
int sw_port_epoch_load(uint32_t *e);
int sw_port_epoch_store(uint32_t e);

/* ---- keys (spec 3) ---- */
void sw_hkdf(uint8_t *okm, size_t L, const uint8_t *salt, size_t slen, const uint8_t *ikm, size_t ilen,
             const uint8_t *info, size_t infolen, uint8_t prk_out[64]);
int sw_id_valid(const char *id, size_t n);
int sw_device_key(uint8_t dk[32], const uint8_t sk[32], const char *id, size_t n, uint8_t gen);
int sw_traffic_key(uint8_t tk[32], const uint8_t pk[32], const char *s, size_t sn, const char *r, size_t rn,
                   uint32_t epoch, const uint8_t boot[8]);

/* ---- replay window (spec 5.4) ---- */
typedef struct { uint32_t top; uint16_t size; uint8_t empty; uint8_t bits[SW_REPLAY_MAX / 8]; } sw_window;
void sw_window_init(sw_window *w, uint16_t size);
int sw_window_check(const sw_window *w, uint32_t c);     /* SW_OK, SW_TOO_OLD, SW_REPLAY */
void sw_window_update(sw_window *w, uint32_t c);

/* ---- envelope: sealing (4.6) ---- */
typedef struct {
  const char *sender; uint8_t sender_len; const char *receiver; uint8_t receiver_len;
  uint8_t gen; uint32_t epoch; uint32_t counter; const uint8_t *boot; uint32_t index; /* 0: FULL */
} sw_seal_params;
/* Seals pt (which may live at out + header length, see sw_header_len) into out; returns the datagram
 * length, or a negative error (refusals of [SW-4.6-4]). */
int sw_header_len(const sw_seal_params *sp);
int sw_seal(uint8_t *out, size_t cap, const sw_seal_params *sp, const uint8_t tk[32], const uint8_t *pt, size_t ptlen);

/* ---- envelope: receiving (6.1) ---- */
typedef struct sw_rxctx {
  uint8_t used, gen, id_len, has_floor, has_fresh, has_tk;
  char id[32];
  uint32_t max_epoch, floor, fresh_counter, index;
  uint8_t boot[8];
  uint8_t tk[32];
  sw_window win;
} sw_rxctx;
/* What a receiver holds, behind callbacks, so one receive path serves a device (one peer) and the
 * vector checker (tables of keys and contexts). key(): 0 and the pair key, or SW_UNKNOWN_KEY /
 * SW_RETIRED_KEY in the order of [SW-6.1-6] checks 2-4. */
typedef struct sw_receiver {
  const char *id; uint8_t id_len; uint32_t max_datagram; uint16_t window;
  uint8_t complete_store;     /* durable, never wiped maxEpoch store ([SW-5.6-6]) */
  uint8_t stale_answer;       /* authenticate STALE_EPOCH datagrams for an answer (12.4) */
  void *user;
  int (*key)(void *user, const char *id, size_t n, uint8_t gen, uint8_t pk[32]);
  sw_rxctx *(*ctx)(void *user, const char *id, size_t n, uint8_t gen, int create);
  sw_rxctx *(*by_index)(void *user, uint32_t index);
  int (*persisted)(void *user, const char *id, size_t n, uint8_t gen, uint32_t *max_epoch);
  int (*admit)(void *user);   /* [SW-6.5-1]: before a derivation (step 8): SW_OK or SW_DERIVE_LIMIT; NULL grants */
} sw_receiver;
typedef struct {
  uint8_t full, gen, fresh, stale_auth;   /* stale_auth: dropped STALE_EPOCH but authentic */
  const char *sender; uint8_t sender_len; /* points into the datagram (FULL) or the context */
  uint32_t epoch, counter, index;
  uint8_t boot[8];
  uint8_t *pt; size_t ptlen;
  sw_rxctx *ctx;
  uint32_t stale_floor;
} sw_rx;
/* Opens d in place (the plaintext ends up inside d). Returns SW_OK or the drop reason; for
 * SW_MALFORMED_INNER the window was updated (step 10) but nothing else may act on it. */
int sw_open(const sw_receiver *r, uint8_t *d, size_t n, sw_rx *out);

/* ---- cookies (6.6): COOKIE (0x60 0x03, 34 bytes) and COOKIE_ECHO (0x60 0x04, 18 + a datagram) ---- */
#define SW_COOKIE_LEN 16
#define SW_COOKIE_MSG_LEN 34
#define SW_COOKIE_ECHO_OVERHEAD 18
typedef struct { uint8_t type; const uint8_t *echo, *cookie, *inner; size_t inner_len; } sw_cookie_msg;
/* 1 if d is a cookie message (first two bytes; its length unchecked), else 0: it goes to sw_open. */
int sw_cookie_is(const uint8_t *d, size_t n);
/* [SW-6.6-5] steps 1-2, [SW-6.6-7]: SW_OK (m filled), SW_TOO_LARGE or SW_MALFORMED. */
int sw_cookie_parse(const uint8_t *d, size_t n, size_t max_datagram, sw_cookie_msg *m);
/* The sender's table of [SW-6.6-3]: the last 16 bytes and destination of each of the last n FULL
 * datagrams and initiations sent (oldest overwritten); a device keeps one (its last FULL datagram). */
typedef struct { uint8_t tail[SW_COOKIE_LEN]; uint16_t dest; uint8_t used; } sw_cookie_slot;
void sw_cookie_note(sw_cookie_slot *s, int n, uint8_t *next, const uint8_t *d, size_t len, uint16_t dest);
/* The slot a COOKIE's ECHO names, sent to dest, taken out (each datagram draws one COOKIE_ECHO); -1 if none. */
int sw_cookie_take(sw_cookie_slot *s, int n, const uint8_t echo[SW_COOKIE_LEN], uint16_t dest);

/* ---- frames (4.7, 9.4, 12.4, 14.2) ---- */
enum { SW_F_PADDING = 0, SW_F_INDEX = 1, SW_F_DATAGRAM = 2, SW_F_PING = 3, SW_F_CHALLENGE = 4,
       SW_F_ECHO = 5, SW_F_ACK = 7, SW_F_FORWARD = 8, SW_F_SLEEP = 9, SW_F_STALE = 0x0c, SW_F_MSG = 0x80 };
#define SW_MSG_R 1
#define SW_MSG_O 2
#define SW_MSG_F 4
typedef struct {
  uint8_t type;
  uint8_t flags;  /* MSG: R, O, F */
  uint8_t channel, gen, nranges;
  uint32_t a, b, c, d; /* INDEX: index, epoch; STALE: epoch; MSG: id, prev, index, count; ACK: cum, window, delay;
                          FORWARD: floor; SLEEP: wake, awake; PADDING: length */
  uint32_t total;
  const uint8_t *data; size_t len; /* DATAGRAM / MSG data, CHALLENGE / ECHO token, ACK ranges */
} sw_frame;
/* Reads the frame at *off, checking its own rules; returns 1 and advances, 0 at the end, -1 if malformed. */
int sw_frame_next(const uint8_t *pt, size_t n, size_t *off, sw_frame *f);
/* The rules across frames (one INDEX, PING, CHALLENGE, ECHO, STALE, ACK, FORWARD, SLEEP): 0 or -1. */
int sw_frames_check(const uint8_t *pt, size_t n);
size_t sw_uvar_put(uint8_t *p, uint32_t v);
int sw_uvar_get(const uint8_t *p, size_t n, size_t *off, uint32_t *v);
/* Writes one MSG frame; last: the final frame of the plaintext (no LEN). Returns bytes written. */
size_t sw_msg_put(uint8_t *p, uint8_t flags, uint8_t channel, uint32_t id, uint32_t prev, uint32_t findex,
                  uint32_t count, uint32_t total, const uint8_t *data, size_t len, int last);
size_t sw_ack_range_get(const sw_frame *f, int k, uint32_t *start, uint32_t *end);
/* Write one ACK, FORWARD or SLEEP frame (14.2) from its fields; each returns bytes written. ACK ranges
 * are [start[k], end[k]) in increasing order above cum, separated, each gap and length under 2^16. */
size_t sw_ack_put(uint8_t *p, uint32_t cum, uint16_t window, uint16_t delay, const uint32_t *start, const uint32_t *end, uint8_t n);
size_t sw_forward_put(uint8_t *p, uint32_t floor);
size_t sw_sleep_put(uint8_t *p, uint32_t wake_ms, uint32_t awake_ms);

/* ---- operations (15.3) ---- */
enum { SW_OP_SUBSCRIBE = 2, SW_OP_SUBACK, SW_OP_UNSUBSCRIBE, SW_OP_UNSUBACK, SW_OP_SYNC, SW_OP_WILL,
       SW_OP_ALIAS, SW_OP_PUBNACK, SW_OP_CALL = 0x10, SW_OP_CALLACK, SW_OP_RESULT, SW_OP_PUBLISH = 0x80 };
#define SW_PUB_RETAIN 0x04
#define SW_PUB_ALIAS 0x08
#define SW_PUB_TOPIC 0x10
#define SW_PUB_FROM 0x20
#define SW_PUB_REF 0x40
typedef struct { const uint8_t *p; uint32_t n; } sw_str;
typedef struct {
  uint8_t op, flags, qos, outcome;      /* flags: PUBLISH bits; WILL FLAGS; PUBNACK REASON in outcome */
  uint16_t req, ref, n;                 /* n: entries of list */
  uint32_t alias, timeout, max_datagram, max_message, max_aliases, window;
  uint64_t id;                          /* PUB_ID, CALL_ID */
  sw_str topic, from, to, method, body; /* body: PAYLOAD, PARAMS, BODY; topic: ALIAS/WILL topic */
  sw_str list;                          /* encoded entries of SUBSCRIBE, SUBACK, UNSUBSCRIBE, SYNC */
} sw_op;
int sw_op_decode(const uint8_t *p, size_t n, sw_op *op);          /* 0 or -1 (drop) */
int sw_op_encode(uint8_t *p, size_t cap, const sw_op *op);        /* length or -1 */
/* Iterates list entries: qos (SUBSCRIBE/SYNC, else 0xff) and filter, or code (SUBACK) in *qos. */
int sw_op_list_next(const sw_op *op, size_t *off, uint8_t *qos, sw_str *filter);
int sw_utf8_valid(const uint8_t *p, size_t n);
int sw_topic_valid(const uint8_t *p, size_t n, int filter);
int sw_topic_match(const uint8_t *f, size_t fn, const uint8_t *t, size_t tn);
int sw_msgpack_valid(const uint8_t *p, size_t n);

/* ---- device-profile reliability (14.12) ---- */
typedef struct { uint32_t sent; uint8_t state, tx, msg, frag; } sw_rel_frag;   /* by id % SW_WINDOW */
typedef struct {
  uint32_t deadline, first_id, prev, first_sent;
  uint16_t ticket, off, len;
  uint8_t channel, flags, nfrag, acked, sent; /* flags: R O + control/unreliable; acked/sent: fragment bits */
} sw_rel_msg;
typedef struct {
  uint32_t next_id, cum, window, floor, timer, peer_max_message;
  uint16_t srtt, rttvar, rto, ticket, budget, used;
  uint16_t wmax;                            /* Wmax of [SW-14.12-20] */
  uint8_t has_sample, timer_on, k, fwd_owed, fwd_now, step, nmsg, reachable, random_byte;
  uint8_t ch[SW_CHANNELS]; uint32_t ch_prev[SW_CHANNELS];
  uint16_t outbox_msgs, outbox_bytes, reserve_msgs, reserve_bytes;
  sw_rel_frag fl[SW_WINDOW];
  sw_rel_msg m[SW_OUTBOX_MSGS + SW_RESERVE_MSGS];
  uint8_t buf[SW_OUTBOX_BYTES + SW_RESERVE_BYTES];
} sw_rel_tx;
typedef struct { uint32_t first, prev; uint16_t off, len; uint8_t channel, used; } sw_hold;
typedef struct {
  uint32_t base, fwd_floor, hi_id, hi_time;
  uint32_t rs[SW_ACK_RANGES], re[SW_ACK_RANGES];
  uint16_t window, ack_delay, max_message, hold_used;
  uint8_t nr, ack_owed, ack_now, unacked;
  uint32_t ack_due;
  uint8_t ch[SW_CHANNELS]; uint32_t ch_last[SW_CHANNELS];
  sw_hold hold[SW_WINDOW];
  uint8_t hbuf[SW_HOLD_BYTES];
#if SW_REASSEMBLY                  /* one partial message (14.6) */
  uint32_t p_first, p_created, p_prev, p_mask;
  uint16_t p_total, p_unit, p_count;
  uint8_t p_used, p_flags, p_channel;
  uint8_t pbuf[SW_MAX_MESSAGE];
#endif
} sw_rel_rx;
#define SW_NONE 0xffffffffu
typedef void (*sw_deliver_fn)(void *user, uint8_t channel, uint32_t first_id, int ordered, const uint8_t *d, size_t n);
typedef void (*sw_receipt_fn)(void *user, uint16_t ticket, int ok);
typedef struct { sw_deliver_fn deliver; sw_receipt_fn receipt; void *user; } sw_rel_cb;
#define SW_SEND_UNRELIABLE 0x10
#define SW_SEND_CONTROL 0x20
void sw_tx_init(sw_rel_tx *t, uint16_t budget, uint8_t random_byte);
int sw_tx_send(sw_rel_tx *t, uint32_t now, uint8_t channel, uint8_t flags, uint32_t deadline, const uint8_t *d, size_t n);
void sw_tx_tick(sw_rel_tx *t, uint32_t now, const sw_rel_cb *cb);
void sw_tx_on_ack(sw_rel_tx *t, uint32_t now, const sw_frame *ack, const sw_rel_cb *cb);
void sw_tx_end_backoff(sw_rel_tx *t);        /* an ECHO, or a CHALLENGE with a new token */
void sw_tx_peer_restart(sw_rel_tx *t);       /* [SW-14.7-4] [SW-14.7-11] */
void sw_tx_renumber(sw_rel_tx *t);           /* our new epoch: ids from 1 again, nothing was taken */
uint32_t sw_tx_next_deadline(const sw_rel_tx *t, uint32_t now);
int sw_tx_due(const sw_rel_tx *t);
/* Writes frames into p (room bytes, accounted sizes); last: nothing follows. Returns bytes. */
size_t sw_tx_build(sw_rel_tx *t, uint32_t now, uint8_t *p, size_t room, int *asks);
void sw_rx_init(sw_rel_rx *r, uint16_t window, uint16_t ack_delay, uint16_t max_message);
void sw_rx_on_msg(sw_rel_rx *r, uint32_t now, const sw_frame *f, const sw_rel_cb *cb);
void sw_rx_on_forward(sw_rel_rx *r, uint32_t now, uint32_t floor, const sw_rel_cb *cb);
void sw_rx_end_burst(sw_rel_rx *r, uint32_t now);
int sw_rx_ack_due(const sw_rel_rx *r, uint32_t now);
uint32_t sw_rx_next_deadline(const sw_rel_rx *r);
size_t sw_rx_build_ack(sw_rel_rx *r, uint32_t now, uint8_t *p, size_t room);

/* ---- the node: a device and its hub ---- */
enum { SW_EV_READY = 1, SW_EV_MESSAGE, SW_EV_RESULT, SW_EV_RESTART, SW_EV_REACHABLE, SW_EV_UNREACHABLE,
       SW_EV_SUBACK, SW_EV_RECEIPT, SW_EV_EPOCH, SW_EV_DROP };
typedef struct {
  int type;
  sw_str topic, payload, from;   /* MESSAGE; RESULT: payload is BODY */
  uint8_t qos, retain, outcome;
  uint16_t ticket; int ok;       /* RECEIPT */
  uint64_t id;                   /* RESULT: CALL_ID */
  uint32_t value;                /* EPOCH: the new epoch; DROP: reason */
} sw_event;
typedef struct sw_node sw_node;
typedef void (*sw_event_fn)(sw_node *n, const sw_event *e);
/* A handler writes MessagePack into out (cap bytes) and returns its length, or -1 for RemoteError. */
typedef int (*sw_handler_fn)(sw_node *n, const sw_str *params, const sw_str *caller, uint8_t *out, size_t cap);
typedef struct {
  const char *id, *hub;
  const uint8_t *key; uint8_t gen;
  uint32_t keepalive_ms, probe_after_ms, unreachable_after_ms;
  sw_event_fn on_event; void *user;
} sw_config;
typedef struct { uint64_t call_id; uint32_t from_hash; uint8_t used, outcome, len; uint8_t body[SW_RPC_CACHE_BODY]; } sw_rpc_entry;
typedef struct { const char *method; sw_handler_fn fn; } sw_rpc_handler;
typedef struct { uint64_t id; uint32_t deadline; uint8_t used; } sw_call_slot;
/* One device and its hub: the peer layer (9-12) for one configured peer, reliability (14.12), the
 * message layer (15, 16). Every field is the implementation's; applications use the functions below. */
struct sw_node {
  sw_config cfg;
  uint8_t id_len, hub_len, tk[32], boot[8], token[8], token_prev[8], echo_tok[8], last_chal[8];
  uint32_t epoch, counter, tx_index, hub_epoch, pub_n, call_n;
  uint32_t last_heard, last_fresh, last_sent, ask_since, last_index_at, probe_at, probe_start, probe_iv, chal_at, now;
  uint8_t has_token, has_prev, chal_sends, owe_echo, owe_pong, owe_index, owe_chal, reachable, probing,
          has_last_chal, asking, owe_hint, need_sync, started;
  uint32_t drops[SW_REASONS];
  sw_rxctx rx;
  sw_rel_tx tx;
  sw_rel_rx rr;
  uint16_t req, sync_ticket;
  uint8_t nsubs, sub_qos[SW_MAX_SUBS], sub_len[SW_MAX_SUBS]; uint16_t sub_used; uint8_t subs[SW_SUB_BYTES];
  struct { uint64_t pub_id; uint32_t pub_hash, at; } dd[SW_DEDUPE]; uint8_t dd_next;
  sw_rpc_entry cache[SW_RPC_CACHE]; uint8_t cache_next;
  sw_rpc_handler handlers[SW_RPC_HANDLERS]; uint8_t nhandlers;
  sw_call_slot calls[SW_CALLS];
  sw_cookie_slot ck[1]; uint8_t ck_next, ck_owed, ck_cookie[SW_COOKIE_LEN];   /* 6.6: our last FULL datagram */
  uint32_t adm_tat;                                                          /* 6.5: the one derivation bucket */
};
int sw_node_start(sw_node *n, const sw_config *cfg, uint32_t now);   /* persists a new epoch */
/* Takes a datagram the host received from the hub's configured address and port; the host drops
 * what comes from anywhere else (a connected UDP socket does), so a COOKIE is matched to the
 * address our datagram went to ([SW-6.6-3]). d is opened in place. */
void sw_node_input(sw_node *n, uint32_t now, uint8_t *d, size_t len);
/* Builds the next datagram to the hub into out (SW_BUDGET bytes), or returns 0 when nothing is due. */
size_t sw_node_poll(sw_node *n, uint32_t now, uint8_t *out);
uint32_t sw_node_next_deadline(sw_node *n, uint32_t now);           /* SW_NONE when nothing waits */
int sw_publish(sw_node *n, uint32_t now, const char *topic, const uint8_t *p, size_t len, uint8_t qos, int retain);
int sw_subscribe(sw_node *n, uint32_t now, const char *filter, uint8_t qos);
int sw_serve(sw_node *n, const char *method, sw_handler_fn fn);
int sw_call(sw_node *n, uint32_t now, const char *to, const char *method, const uint8_t *params, size_t len,
            uint32_t timeout_ms, uint64_t *call_id);

#endif
