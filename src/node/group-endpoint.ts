/**
 * A node's side of its multicast groups on Node (spec 19.3-19.5, 19.8, 19.9): one socket joined to
 * the groups' multicast address, a GroupReceiver, a GroupSender per group, and its own epoch
 * persisted per start (spec 5.2) with a fresh BOOT. Grants arrive over unicast (the caller passes
 * them to grant()); publications and commands leave as one datagram each to the group.
 * @module
 */
import { BOOT_LEN } from '../constants.js';
import { tweetnaclEd25519, type Ed25519 } from '../crypto/ed25519.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { InvalidArgumentError } from '../errors.js';
import { DEFAULT_GROUP_PORT, DEFAULT_GROUP_V4 } from '../multicast/constants.js';
import { decodeGrant, type GroupGrant } from '../multicast/grant.js';
import { GroupReceiver, type GroupDelivery, type GroupReceiverOptions } from '../multicast/receiver.js';
import { GroupSender } from '../multicast/sender.js';
import type { StateStore } from '../peer/state-store.js';
import { CorruptEpochError, startEpoch, type EpochStore } from '../session/epoch.js';
import { readU32, writeU32 } from '../util/bytes.js';
import { topicMatches, validateTopicFilter } from '../pubsub/topic.js';
import { defaultCryptoSuite } from './crypto.js';
import { GroupRepair, type GroupRepairOptions, type GroupRepairStats } from './group-repair.js';
import { MulticastSocket } from './multicast-socket.js';
import type { GroupDrop } from '../multicast/drop.js';

/** @group Multicast and discovery */
export interface GroupEndpointOptions {
  /** Grants, floors and this endpoint's epoch [SW-19.5-9]; a FileStateStore survives restarts. */
  readonly store: StateStore;
  /** Groups to restore from the store at open. */
  readonly gids?: readonly number[];
  readonly group?: string;
  readonly port?: number;
  readonly interface?: string;
  readonly ttl?: number;
  readonly suite?: CryptoSuite;
  readonly ed25519?: Ed25519;
  /** The controller's Ed25519 secret key (64 bytes): this endpoint may send commands. */
  readonly signingKey?: Uint8Array;
  /** Wall-clock ms (grants' times are persisted); default Date.now. */
  readonly clock?: () => number;
  readonly receiver?: Omit<GroupReceiverOptions, 'suite' | 'store' | 'ed25519'>;
  /** Hears each dropped group datagram's reason as it is counted (counts: `receiver.drops.snapshot()`) [SW-19.1-3]. */
  readonly onDrop?: (reason: GroupDrop) => void;
  /**
   * Tests only: a lossy path. An inbound group datagram for which it returns false is dropped
   * before the receiver sees it, as if the network had lost it.
   */
  readonly inboundFilter?: (d: Uint8Array) => boolean;
}

/** @group Multicast and discovery */
export type GroupListener = (d: GroupDelivery, from: { readonly host: string; readonly port: number }) => void;

const EPOCH_KEY = 'mcast-epoch';

/** The group sender's epoch as a 4-byte record of its own in the store (spec 5.2). */
function epochStore(store: StateStore): EpochStore {
  return {
    async load() {
      const v = await store.load(EPOCH_KEY);
      if (v === undefined) return undefined;
      if (v.length !== 4) throw new CorruptEpochError('corrupt multicast epoch record');
      return readU32(v, 0);
    },
    async save(epoch) {
      const v = new Uint8Array(4);
      writeU32(v, 0, epoch);
      await store.save(EPOCH_KEY, v);
    },
  };
}

/** @group Multicast and discovery */
export class GroupEndpoint {
  readonly receiver: GroupReceiver;
  private readonly senders = new Map<number, GroupSender>();
  private readonly listeners = new Set<GroupListener>();
  /** Groups with repair enabled (19.12): off unless enableRepair() was called for the group. */
  private readonly repairs = new Map<number, GroupRepair>();
  /** Signed commands not handed to onCommand() handlers because their context is freshness-unknown. */
  unfreshCommands = 0;
  /** Every datagram this endpoint sent (for tests that check nonces); off unless `capture` is set. */
  capture: Uint8Array[] | undefined;

  private constructor(
    private readonly o: GroupEndpointOptions,
    readonly socket: MulticastSocket,
    private epoch: number,
    private readonly boot: Uint8Array,
    private readonly suite: CryptoSuite,
  ) {
    this.receiver = new GroupReceiver({ ...o.receiver, suite, store: o.store, ed25519: o.ed25519 ?? tweetnaclEd25519 });
    this.receiver.drops.onDrop = o.onDrop;
  }

  /** Starts an epoch (durably, [SW-5.2-9]), draws BOOT, restores `gids`, joins the group. */
  static async open(o: GroupEndpointOptions): Promise<GroupEndpoint> {
    const suite = o.suite ?? defaultCryptoSuite();
    const { epoch } = await startEpoch(epochStore(o.store), { provisioning: true });
    const socket = await MulticastSocket.open({
      group: o.group ?? DEFAULT_GROUP_V4,
      port: o.port ?? DEFAULT_GROUP_PORT,
      ...(o.interface !== undefined && { interface: o.interface }),
      ...(o.ttl !== undefined && { ttl: o.ttl }),
    });
    const e = new GroupEndpoint(o, socket, epoch, suite.randomBytes(BOOT_LEN), suite);
    for (const gid of o.gids ?? []) await e.receiver.restore(gid);
    socket.onMessage((d, from) => {
      // SCOUT and ANNOUNCE are discovery's (a responder may share the group and port); every other
      // datagram is judged and, if dropped, counted by the receiver: a reserved TYPE, a short
      // datagram or another form included [SW-19.1-2] [SW-19.1-3]
      if (d.length >= 2 && d[0] === 0x70 && (d[1] === 0x01 || d[1] === 0x02)) return;
      if (o.inboundFilter !== undefined && !o.inboundFilter(d)) return;
      void e.receiver.receive(d, e.now()).then((r) => {
        if (!r.ok) return;
        e.repairs.get(r.delivery.gid)?.onDelivery(r.delivery);
        for (const l of e.listeners) l(r.delivery, from);
      });
    });
    return e;
  }

  get currentEpoch(): number {
    return this.epoch;
  }

  /**
   * Installs a grant received over unicast (bytes of 19.3, or decoded) [SW-19.3-3]. If its
   * EPOCH_FLOOR is not below this endpoint's epoch, a new epoch above it starts first [SW-19.3-4].
   */
  async grant(g: Uint8Array | GroupGrant): Promise<boolean> {
    const grant = g instanceof Uint8Array ? decodeGrant(g) : g;
    if (grant === undefined) throw new InvalidArgumentError('not a group grant');
    if (grant.epochFloor >= this.epoch) {
      this.epoch = (await startEpoch(epochStore(this.o.store), { above: grant.epochFloor })).epoch;
      this.senders.clear(); // new epoch: new sender keys, counters from 0
    }
    const installed = await this.receiver.install(grant, this.now());
    if (!this.senders.has(grant.gid)) this.senders.set(grant.gid, this.newSender(grant.gid));
    return installed;
  }

  /**
   * Turns on repair of losses for group `gid` ([SW-19.12-7]). This member keeps a bounded history of
   * what it sends to the group and answers NACKs from it, and NACKs gaps in other members'
   * counters. Every member of the group should enable it; a member that does not ignores NACKs.
   */
  enableRepair(gid: number, o: GroupRepairOptions = {}): void {
    if (this.repairs.has(gid)) return;
    this.repairs.set(
      gid,
      new GroupRepair(o, {
        sendRaw: (d) => this.socket.send(d),
        sendNack: (n) => this.send(this.sender(gid).seal(n, this.now()), false),
        ownMember: (gen) => this.receiver.membership(gid).generations().find((g) => g.grant.gen === gen)?.grant.member,
        now: () => this.now(),
      }),
    );
  }

  /** Repair counters of group `gid` (undefined when repair is off for it). */
  repairStats(gid: number): GroupRepairStats | undefined {
    return this.repairs.get(gid)?.stats;
  }

  /** Every delivery of every group (both tiers, fresh or not). Returns a function that removes it. */
  on(listener: GroupListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Publications of group `gid` whose topic matches `filter` (15.1's wildcards), QoS 0. */
  subscribe(gid: number, filter: string, callback: (topic: string, payload: Uint8Array, d: GroupDelivery) => void): () => void {
    validateTopicFilter(filter);
    return this.on((d) => {
      if (d.gid === gid && d.message.kind === 'publish' && topicMatches(filter, d.message.topic)) callback(d.message.topic, d.message.payload, d);
    });
  }

  /**
   * The controller's commands to group `gid`: signed tier only [SW-19.5-6], and only from fresh
   * contexts [SW-19.5-11]: a command that may be a replay from before this member lost its state is
   * counted in `unfreshCommands` and not handed over.
   */
  onCommand(gid: number, handler: (name: string, params: Uint8Array, d: GroupDelivery) => void): () => void {
    return this.on((d) => {
      if (d.gid !== gid || d.message.kind !== 'command' || d.tier !== 'signed') return;
      if (!d.fresh) {
        this.unfreshCommands++;
        return;
      }
      handler(d.message.name, d.message.params, d);
    });
  }

  /** Publishes `payload` on `topic` to group `gid`: one datagram, group-authenticated, QoS 0. */
  async publish(gid: number, topic: string, payload: Uint8Array | string): Promise<number> {
    const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
    const d = this.sender(gid).seal({ kind: 'publish', topic, payload: bytes }, this.now());
    this.repairs.get(gid)?.onSent(d);
    return this.send(d);
  }

  /** Sends a command to group `gid` in the signed tier (controller only) [SW-19.5-5]. */
  async command(gid: number, name: string, params: Uint8Array = new Uint8Array(0)): Promise<number> {
    const d = this.sender(gid).sealSigned({ kind: 'command', name, params }, this.now());
    this.repairs.get(gid)?.onSent(d);
    return this.send(d);
  }

  async close(): Promise<void> {
    for (const r of this.repairs.values()) r.close();
    await this.socket.close();
  }

  private async send(d: Uint8Array, capture = true): Promise<number> {
    if (capture) this.capture?.push(d);
    await this.socket.send(d);
    return d.length;
  }

  private sender(gid: number): GroupSender {
    let s = this.senders.get(gid);
    if (s === undefined) this.senders.set(gid, (s = this.newSender(gid)));
    return s;
  }

  private newSender(gid: number): GroupSender {
    const sk = this.o.signingKey;
    return new GroupSender({
      suite: this.suite,
      membership: this.receiver.membership(gid),
      epoch: this.epoch,
      boot: this.boot,
      ...(sk !== undefined && { signing: { ed25519: this.o.ed25519 ?? tweetnaclEd25519, secretKey: sk } }),
    });
  }

  private now(): number {
    return (this.o.clock ?? Date.now)();
  }
}
