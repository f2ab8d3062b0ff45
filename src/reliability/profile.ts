/**
 * The two conformance profiles of reliable delivery (spec 14.12) as configuration: the limits and
 * timers each one starts from. The full profile is section 14's defaults; the device profile's are
 * small fixed buffers a microcontroller keeps per peer. A node's own options override either.
 * @module
 */
import {
  DEVICE_CONTROL_RESERVE_BYTES,
  DEVICE_CONTROL_RESERVE_MESSAGES,
  DEVICE_HOLD_BACK_BYTES,
  DEVICE_HOLD_BACK_MESSAGES,
  DEVICE_MAX_ACK_RANGES,
  DEVICE_MAX_MESSAGE,
  DEVICE_OUTBOX_BYTES,
  DEVICE_OUTBOX_MESSAGES,
  DEVICE_RECEIVE_WINDOW,
  DEVICE_WINDOW,
} from './device-constants.js';
import type { DeviceSendConfig } from './device-sender.js';
import type { ReceiveConfig } from './receive-state.js';
import type { ReliabilityProfile } from './sender.js';

export type { ReliabilityProfile } from './sender.js';

/** The device profile's sending limits [SW-14.12-4], [SW-14.12-12]. */
export const DEVICE_SEND_DEFAULTS: Partial<DeviceSendConfig> = {
  window: DEVICE_WINDOW,
  initialPeerWindow: DEVICE_WINDOW,
  outboxMessages: DEVICE_OUTBOX_MESSAGES,
  outboxBytes: DEVICE_OUTBOX_BYTES,
  controlReserveMessages: DEVICE_CONTROL_RESERVE_MESSAGES,
  controlReserveBytes: DEVICE_CONTROL_RESERVE_BYTES,
};

/**
 * The device profile's receiving limits [SW-14.12-9] to [SW-14.12-11]: a window of 4 ids, two
 * ranges, a hold-back as large as the window, one message reassembled at a time, and every ACK sent
 * at once (no delayed-ACK timer).
 */
export const DEVICE_RECEIVE_DEFAULTS: Partial<ReceiveConfig> = {
  window: DEVICE_RECEIVE_WINDOW,
  maxRanges: DEVICE_MAX_ACK_RANGES,
  holdBackMessages: DEVICE_HOLD_BACK_MESSAGES,
  holdBackBytes: DEVICE_HOLD_BACK_BYTES,
  maxMessage: DEVICE_MAX_MESSAGE,
  reassemblyPerPeer: DEVICE_MAX_MESSAGE,
  ackDelayMs: 0,
};

/** The receive defaults a profile starts from (the full profile's are RECEIVE_DEFAULTS). */
export function profileReceiveDefaults(profile: ReliabilityProfile | undefined): Partial<ReceiveConfig> {
  return profile === 'device' ? DEVICE_RECEIVE_DEFAULTS : {};
}

/** The send defaults a profile starts from (the full profile's are SEND_DEFAULTS). */
export function profileSendDefaults(profile: ReliabilityProfile | undefined): Partial<DeviceSendConfig> {
  return profile === 'device' ? DEVICE_SEND_DEFAULTS : {};
}
