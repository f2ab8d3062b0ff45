/**
 * Reliable delivery (spec 14): the pure core. The node (src/peer/) owns one ReliableLink per peer
 * and one ReassemblyBudget per node.
 * @module
 */
export * from './constants.js';
export * from './frames.js';
export { RttEstimator, RTT_DEFAULTS, type RttConfig } from './rtt.js';
export { Congestion, congestionConfig, type CongestionConfig } from './congestion.js';
export { ReceivedIds, type Admission } from './ack-ranges.js';
export { SleepSchedule, type SleepDeclaration } from './sleepy.js';
export { Outbox, type Queued } from './outbox.js';
export { Reassembly, ReassemblyBudget, type Offer } from './reassembly.js';
export { SendState, SEND_DEFAULTS, fragmentPayload, type SendConfig, type RetransmitCounters, type SendEvent, type SendOptions, type SendSnapshot } from './send-state.js';
export { ProbeTimer } from './probe-timer.js';
export { ReceiveState, RECEIVE_DEFAULTS, type Delivered, type ReceiveConfig, type ReceiveCounters } from './receive-state.js';
export { ReliableLink, type LinkConfig, type Received } from './link.js';
export { AckClock } from './ack-clock.js';
export * from './device-constants.js';
export { DeviceRtt } from './device-rtt.js';
export { DeviceSendState, type DeviceSendConfig } from './device-sender.js';
export { DEVICE_RECEIVE_DEFAULTS, DEVICE_SEND_DEFAULTS, profileReceiveDefaults, profileSendDefaults } from './profile.js';
export type { LinkSender, ReliabilityProfile, SenderHandover } from './sender.js';
