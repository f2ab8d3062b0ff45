/**
 * Secured multicast and authenticated discovery (spec 19), the runtime-agnostic core: keys,
 * grants, the two tiers, receivers with floors, rotation, SCOUT and ANNOUNCE with the reply budget, repair of losses by NACK (19.12).
 * The Node edges (sockets, timers) are src/node/multicast-socket.ts, group-endpoint.ts, discovery.ts.
 * @module
 */
export * as multicastConstants from './constants.js';
export { GROUP_DROP_REASONS, GroupDropCounters, type GroupDrop } from './drop.js';
export { deriveSiteGroupKey, deriveSenderKey, deriveDiscoveryKeys, senderKeyInfo, type DiscoveryKeys } from './keys.js';
export { encodeGrant, decodeGrant, type GroupGrant } from './grant.js';
export { encodeGroupMessage, decodeGroupMessage, type GroupMessage, type GroupNack } from './frames.js';
export { encodeGroupHeader, parseGroupHeader, groupNonce, parseScout, parseAnnounce, type GroupHeader, type ScoutHeader, type AnnounceHeader } from './header.js';
export { GroupMembership, isNewer as isNewerGeneration, type GenerationState, type KeyVerdict } from './membership.js';
export { GroupManager, type GroupManagerOptions } from './manager.js';
export { GroupSender, NoGroupKeyError, type GroupSenderOptions } from './sender.js';
export { GroupReceiver, type GroupDelivery, type GroupReceiveResult, type GroupReceiverOptions } from './receiver.js';
export { Scouter, encodeAnnouncement, decodeAnnouncement, type Announcement, type ScoutOptions } from './scout.js';
export { DiscoveryResponder, type ResponderOptions, type ScheduledReply, type ResponderStats } from './responder.js';
export { RepairHistory, RepairResponder, NackScheduler, type RepairEntry, type RepairStats, type NackStats, type RepairResponderOptions, type NackSchedulerOptions } from './repair.js';
export { tweetnaclEd25519, type Ed25519 } from '../crypto/ed25519.js';
