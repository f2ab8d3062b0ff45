// Protocol constants of spec section 20.1, written out from the table (not imported from the SDK).
export const FIRST_BYTE_SHORT = 0x40; // [20.1] / 4.2
export const FIRST_BYTE_FULL = 0x50; // [20.1] / 4.2
export const SHORT_HEADER_LEN = 9; // 4.4
export const FULL_HEADER_FIXED_LEN = 19; // 4.3: first, GEN, EPOCH, COUNTER, BOOT, SID_LEN; plus SENDER ID
export const BOOT_LEN = 8; // 4.3, 5.2: the BOOT field of the FULL header
export const BOOT_OFFSET = 10; // 4.3: BOOT is bytes 10-17 of the FULL header
export const SID_LEN_OFFSET = 18; // 4.3
export const NONCE_LEN = 24; // 4.5
export const NONCE_PREFIX_FULL = 10; // 4.5
export const NONCE_PREFIX_SHORT = 9; // 4.5
export const TAG_LEN = 16; // 3.1
export const KEY_LEN = 32; // 3.3
export const MIN_ID_LEN = 1; // 3.2
export const MAX_ID_LEN = 32; // 3.2
export const MAX_GENERATION = 255; // 3.6
export const COUNTER_LIMIT = 0xffffffff; // 5.1
export const EPOCH_MAX = 0xffffffff; // 5.2
export const MIN_REPLAY_WINDOW = 64; // 5.4
export const MIN_MAX_DATAGRAM = 512; // 4.10
export const LABEL_DEVICE_KEY = 'saltwire/v1 device key'; // 3.4
export const LABEL_TRAFFIC_KEY = 'saltwire/v1 traffic key'; // 3.5
export const FRAME_PADDING = 0x00; // 4.7
export const FRAME_INDEX = 0x01; // 4.7, 4.8
export const FRAME_DATAGRAM = 0x02; // 4.7
export const INDEX_FRAME_LEN = 10; // 4.8: type byte + 9-byte body
export const FRAME_STALE = 0x0c; // 4.7, 12.4
export const STALE_FRAME_LEN = 6; // 20.1 / 12.4: type byte + 5-byte body (u8 gen, u32 epoch)

/** Every drop reason of spec 6.2, in table order. */
export const DROP_REASONS = [
  'TOO_LARGE', 'MALFORMED', 'BAD_VERSION', 'BAD_FORM', 'BAD_FLAGS', 'COUNTER_LIMIT', 'UNKNOWN_KEY',
  'RETIRED_KEY', 'UNKNOWN_INDEX', 'STALE_EPOCH', 'TOO_OLD', 'REPLAY', 'AUTH', 'MALFORMED_INNER',
  'HANDSHAKE_REPLAY', 'BAD_DH', 'HANDSHAKE_RATE', 'SESSION_DISABLED', 'SESSION_REQUIRED', 'STORE_FAILED', 'PEER_LIMIT',
  'DERIVE_LIMIT', 'UNDER_LOAD', 'BAD_COOKIE', 'UNSOLICITED',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];
