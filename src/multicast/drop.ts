/**
 * Drop reasons of group datagrams (spec 19.5, 19.7): the names of 6.2 where they mean the same,
 * plus the multicast ones. Every dropped GROUP datagram is counted under exactly one, and nothing is
 * sent because of it [SW-19.1-3].
 * @module
 */

export const GROUP_DROP_REASONS = [
  'TOO_LARGE',
  'MALFORMED',
  'BAD_VERSION',
  'BAD_FORM',
  'BAD_FLAGS',
  /** A TYPE this receiver does not take on this socket (a SCOUT at a device, an ANNOUNCE at a group member). */
  'BAD_TYPE',
  'COUNTER_LIMIT',
  /** No key: an unknown group, or a generation never granted ("NoAvailableKey" in Matter's terms). */
  'UNKNOWN_KEY',
  /** A generation below the current one whose grace has ended. */
  'RETIRED_KEY',
  'STALE_EPOCH',
  'TOO_OLD',
  'REPLAY',
  'AUTH',
  'MALFORMED_INNER',
  /** A command outside the signed tier, or a SIGNED datagram from a member that is not the controller. */
  'WRONG_TIER',
  /** Decrypted, but the controller's signature does not verify. */
  'BAD_SIGNATURE',
  'DERIVE_LIMIT',
  'VERIFY_LIMIT',
  /** A new sender beyond MAX_GROUP_SENDERS. */
  'SENDER_LIMIT',
  'STORE_FAILED',
  /** Discovery: an authentic scout not answered because of the reply budget (19.7). */
  'REPLY_BUDGET',
  /** Discovery: an authentic scout whose answer would be larger than it (19.7). */
  'REPLY_TOO_LARGE',
  /** Discovery: an ANNOUNCE that answers no scout this node has outstanding. */
  'UNSOLICITED',
] as const;

/**
 * Why a GROUP datagram was dropped (spec 19.1): counted per reason, and heard by `onDrop`.
 * @group Multicast and discovery
 */
export type GroupDrop = (typeof GROUP_DROP_REASONS)[number];

/**
 * Counts per reason; `snapshot()` lists the non-zero ones. `onDrop`, when set, hears each drop as
 * it is counted (the unicast 'drop' event's counterpart); it must not throw and must send nothing
 * [SW-19.1-3].
 */
export class GroupDropCounters {
  private readonly counts = new Map<GroupDrop, number>();
  total = 0;
  onDrop: ((reason: GroupDrop) => void) | undefined;
  add(reason: GroupDrop): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.total++;
    this.onDrop?.(reason);
  }
  get(reason: GroupDrop): number {
    return this.counts.get(reason) ?? 0;
  }
  snapshot(): Partial<Record<GroupDrop, number>> {
    return Object.fromEntries(this.counts) as Partial<Record<GroupDrop, number>>;
  }
}
