/**
 * HubCluster: hubs that each hold their own devices, joined through the MQTT broker (or broker
 * cluster) their bridges connect to. It rides on the hub's MqttBridge (one connection, whose last
 * will is the hub's death notice) and adds what pub/sub alone does not give:
 *
 * - Routes: the hub claims each device whose message layer (Client) runs on it: its SYNC, or it is
 *   reachable again after one (a retained message of the hub's own, routes.ts), and withdraws the
 *   claim when the device becomes unreachable; every hub knows which live hub holds which device.
 * - Calls between devices of different hubs: a CALL whose target another hub holds goes to that hub
 *   (relay.ts), which forwards it to the target under its own access control; the CALLACK and the
 *   RESULT come back the same way. A target no live hub holds is RpcUnreachableError at once; a hub
 *   that dies before its target acknowledged gives its callers RpcUnreachableError (after, their
 *   timeout: the call may have run). The hub's own calls (hub.call) to a device another hub holds go
 *   the same way, the hub itself the caller (under the other hub's access control).
 * - Take-over of a dead hub, when its state directory is shared: its bridge outbox (adopt.ts), and
 *   the copies its journal still owed its devices, handed to the hubs they roam to (owed.ts).
 * - MQTT 5 requests to devices (the bridge's RPC): every hub receives each; the hub holding the
 *   device answers, the others stay silent (one response per request).
 *
 * Publications need nothing more: each bridge sends its devices' publications to the broker and
 * injects the broker's into its hub (never back out), so with the bridges' subscriptions not shared
 * every subscriber on every hub gets each publication once (origin and message id guard against
 * loops and duplicates). The bridges' `shareGroup` must therefore stay unset in a cluster.
 * @module
 */
import type { IPublishPacket } from 'mqtt';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type BridgeExtension, type BridgeOptions, type MqttBridge } from '../bridge/bridge.js';
import { InvalidArgumentError } from '../errors.js';
import type { Hub } from '../messaging/hub.js';
import type { CallOp, ResultOp } from '../messaging/ops.js';
import { topicMatches } from '../pubsub/topic.js';
import { RpcOutcome } from '../rpc/errors.js';
import type { RemoteForwarding } from '../rpc/forwarder.js';
import { Adopter, FENCE_FILE } from './adopt.js';
import { checkOptions, type ClusterOptions, type ClusterStats } from './options.js';
import { OwedHandover } from './owed.js';
import { decodeRelay, encodeRelay, type RelayCall, type RelayMessage } from './relay.js';
import { RouteTable } from './routes.js';

const STATUS_FILTER = 'saltwire/bridge/+/status';
/** How long a relayed call's bookkeeping outlives its timeout (a late RESULT still finds its way). */
const SLACK_MS = 5_000;

interface Outgoing {
  readonly hub: string;
  acked: boolean;
  readonly timer: NodeJS.Timeout;
}

/** @group Cluster */
export class HubCluster implements BridgeExtension, RemoteForwarding {
  readonly routes: RouteTable;
  readonly prefix: string;
  private readonly self: string;
  /** Devices held here (claimed), and those that ever sent this hub their SYNC. */
  private readonly local = new Set<string>();
  private readonly clients = new Set<string>();
  /** Calls this hub sent to another, by caller and call id. */
  private readonly outgoing = new Map<string, Outgoing>();
  /** Calls another hub sent here: the hub to answer, by caller and call id. */
  private readonly incoming = new Map<string, { hub: string; timer: NodeJS.Timeout }>();
  private readonly owed: OwedHandover;
  private readonly adopter: Adopter;
  private readonly off: Array<() => void> = [];
  private seq = 0;
  private readonly boot = Math.random().toString(36).slice(2, 10);
  private readonly counts = { callsOut: 0, callsIn: 0, relayed: 0, lostHub: 0, malformed: 0 };

  private constructor(private readonly hub: Hub, private readonly bridge: MqttBridge, private readonly o: ClusterOptions, private readonly broker: BridgeOptions) {
    checkOptions(o);
    this.prefix = o.prefix ?? 'saltwire/cluster';
    if (this.prefix === '' || /[+#]/.test(this.prefix)) throw new InvalidArgumentError(`cluster prefix must be a topic without wildcards, got '${this.prefix}'`);
    this.self = bridge.origin;
    this.routes = new RouteTable(this.self);
    this.owed = new OwedHandover({
      self: this.self,
      holder: (d) => this.routes.holder(d),
      send: (h, bytes) => bridge.publishDirect(`${this.prefix}/owed/${h}`, bytes, { qos: 1, msgId: this.msgId() }),
      take: (d, c) => hub.pubsub.oweCopy(d, c),
      retryMs: o.adoptRetryMs ?? 5000,
      ...(broker.log !== undefined && { log: broker.log }),
    });
    this.adopter = new Adopter({ routes: this.routes, owed: this.owed, broker, stateDirs: o.stateDirs ?? {}, retryMs: o.adoptRetryMs ?? 5000 });
    const node = hub.node;
    this.off.push(
      // a device is held where its message layer runs: the hub it sent its SYNC to [SW-15.5-2]
      // (its node may talk to every hub it knows), and again when it comes back there
      hub.port.on('op', (e) => {
        if (e.op.op === 'SYNC') this.clients.add(e.peer), this.claim(e.peer);
      }),
      node.on('reachable', (e) => {
        if (this.clients.has(e.peer)) this.claim(e.peer);
      }),
      node.on('unreachable', (e) => this.withdraw(e.peer)),
    );
    if (o.stateDir !== undefined) writeFileSync(join(o.stateDir, FENCE_FILE), `${hostname()} ${process.pid}\n`);
    hub.forwarding.setRemote(this);
    // an MQTT 5 request to a device reaches every hub: the one holding it answers, and for a device
    // no live hub holds, the first live member (its Unreachable), so one response per request
    bridge.rpc?.setAnswers((d) => {
      const h = this.routes.holder(d);
      return h === undefined ? this.routes.members()[0] === this.self : h === this.self;
    });
    this.off.push(() => hub.forwarding.setRemote(undefined), () => bridge.rpc?.setAnswers(undefined), bridge.attach(this));
  }

  /** Joins `hub` (bridged by `bridge`, started with `broker`'s options) to the cluster on that broker. */
  static start(hub: Hub, bridge: MqttBridge, options: ClusterOptions, broker: BridgeOptions): HubCluster {
    if (broker.shareGroup !== undefined) throw new InvalidArgumentError('a cluster member bridge must not set shareGroup: every hub needs every publication');
    // a member's liveness is its bridge's status topic and last will, where the others look for it
    if (broker.statusTopic !== undefined && broker.statusTopic !== `saltwire/bridge/${bridge.origin}/status`) throw new InvalidArgumentError('a cluster member bridge keeps the default statusTopic (saltwire/bridge/<origin>/status)');
    return new HubCluster(hub, bridge, options, broker);
  }

  stats(): ClusterStats {
    const o = this.owed.stats;
    return { held: this.local.size, members: this.routes.members(), ...this.counts, adopted: this.adopter.adopted, owedHanded: o.handed, owedTaken: o.taken, owedLeft: this.owed.left };
  }

  close(): void {
    this.adopter.close();
    for (const f of this.off.splice(0)) f();
    for (const m of [this.outgoing, this.incoming]) for (const w of m.values()) clearTimeout(w.timer);
    void this.owed.close();
  }

  // ---- BridgeExtension ----

  subscriptions(): Array<{ filter: string; qos: 0 | 1 | 2 }> {
    return [
      { filter: `${this.prefix}/held/+/+`, qos: 1 },
      { filter: `${this.prefix}/rpc/${this.self}`, qos: 1 },
      { filter: `${this.prefix}/owed/${this.self}`, qos: 1 },
      { filter: STATUS_FILTER, qos: 1 },
    ];
  }

  owns(topic: string): boolean {
    return topic.startsWith(`${this.prefix}/`);
  }

  watches(topic: string): boolean {
    return topicMatches(STATUS_FILTER, topic);
  }

  up(): void {
    for (const d of this.local) this.announce(d, true); // what was claimed while the broker was away
  }

  onMessage(p: IPublishPacket): void {
    const t = p.topic.split('/');
    const body = typeof p.payload === 'string' ? new TextEncoder().encode(p.payload) : new Uint8Array(p.payload);
    if (this.watches(p.topic)) return this.onStatus(t[2]!, body);
    const rest = t.slice(this.prefix.split('/').length);
    if (rest[0] === 'held' && rest.length === 3) return this.onClaim(rest[1]!, rest[2]!, body);
    if (rest[0] === 'owed' && rest[1] === this.self) return this.owed.onMessage(body);
    if (rest[0] === 'rpc' && rest[1] === this.self) {
      const m = decodeRelay(body);
      if (m === undefined) return void this.counts.malformed++;
      this.onRelay(m);
    }
  }

  // ---- RemoteForwarding ----

  where(node: string): 'here' | 'remote' | 'nowhere' {
    const h = this.routes.holder(node); // the newest live claim, this hub's own included
    if (h !== undefined) return h === this.self ? 'here' : 'remote';
    // another hub whose own call (hub.call) this hub relayed to a device: its RESULT goes back over the broker
    if (node !== this.self && this.routes.isOnline(node) && [...this.incoming.values()].some((w) => w.hub === node)) return 'remote';
    // a device of the cluster no live hub holds (its hub died, it has not roamed yet) is Unreachable, even
    // if its node once spoke to this hub; a node no hub ever claimed is none of the cluster's business
    return this.routes.known(node) || this.clients.has(node) ? 'nowhere' : 'here';
  }

  call(caller: string, op: CallOp): boolean {
    const hub = this.routes.holder(op.to);
    if (hub === undefined || hub === this.self) return false;
    const m: RelayCall = { kind: 'call', caller, callId: op.callId, timeoutMs: op.timeoutMs, target: op.to, method: op.method, params: op.params, replyHub: this.self };
    if (!this.send(hub, m)) return false;
    const k = key(caller, op.callId);
    clearTimeout(this.outgoing.get(k)?.timer);
    this.outgoing.set(k, { hub, acked: false, timer: this.expire(this.outgoing, k, op.timeoutMs) });
    this.counts.callsOut++;
    return true;
  }

  result(op: ResultOp): boolean {
    const k = key(op.to, op.callId);
    const hub = this.incoming.get(k)?.hub ?? this.routes.holder(op.to);
    if (hub === undefined || hub === this.self) return false;
    clearTimeout(this.incoming.get(k)?.timer);
    this.incoming.delete(k);
    this.counts.relayed++;
    return this.send(hub, { kind: 'result', caller: op.to, callId: op.callId, outcome: op.outcome, body: op.body });
  }

  // ---- inbound ----

  private onRelay(m: RelayMessage): void {
    const fwd = this.hub.forwarding;
    const k = key(m.caller, m.callId);
    if (m.kind === 'call') {
      this.counts.callsIn++;
      clearTimeout(this.incoming.get(k)?.timer);
      this.incoming.set(k, { hub: m.replyHub, timer: this.expire(this.incoming, k, m.timeoutMs) });
      const op: CallOp = { op: 'CALL', callId: m.callId, timeoutMs: m.timeoutMs, to: m.target, from: '', method: m.method, params: m.params };
      return fwd.deliver(m.caller, op, (outcome) => {
        if (outcome === 'acked') return void this.send(m.replyHub, { kind: 'ack', caller: m.caller, callId: m.callId });
        this.incoming.delete(k);
        this.send(m.replyHub, { kind: 'result', caller: m.caller, callId: m.callId, outcome, body: new Uint8Array(0) });
      });
    }
    const w = this.outgoing.get(k);
    if (m.kind === 'ack') {
      if (w !== undefined) w.acked = true;
      return fwd.toCaller({ op: 'CALLACK', callId: m.callId, to: m.caller });
    }
    if (w !== undefined) (clearTimeout(w.timer), this.outgoing.delete(k));
    this.counts.relayed++;
    fwd.toCaller({ op: 'RESULT', callId: m.callId, to: m.caller, outcome: m.outcome, body: m.body });
  }

  private onStatus(hub: string, body: Uint8Array): void {
    let state: unknown;
    let reason: unknown;
    try {
      ({ state, reason } = JSON.parse(new TextDecoder().decode(body)) as { state?: unknown; reason?: unknown });
    } catch {
      state = 'offline';
    }
    const online = state === 'online';
    this.routes.member(hub, online);
    if (online) {
      for (const d of this.routes.claimedBy(hub)) this.owed.claimed(d); // its claims count from now on
      return this.adopter.online(hub);
    }
    // the callers whose CALL that hub had not acknowledged: Unreachable now, not a timeout later
    for (const [k, w] of this.outgoing) {
      if (w.hub !== hub || w.acked) continue;
      clearTimeout(w.timer);
      this.outgoing.delete(k);
      this.counts.lostHub++;
      const [caller, id] = unkey(k);
      this.hub.forwarding.toCaller({ op: 'RESULT', callId: id, to: caller, outcome: RpcOutcome.Unreachable, body: new Uint8Array(0) });
    }
    // its last will ('lost'), or a graceful stop ('stopped') of a hub that may never come back: either
    // way what it owed is adopted once its process is gone (the fence), and is its own again if it returns
    if (reason === 'lost' || reason === 'stopped') this.adopter.lost(hub);
  }

  private onClaim(hub: string, device: string, body: Uint8Array): void {
    if (hub === this.self) {
      // a claim of an earlier life of this hub that it does not hold now: withdrawn
      if (body.length > 0 && !this.local.has(device)) this.bridge.publishDirect(this.claimTopic(device), new Uint8Array(0), { qos: 1, retain: true, msgId: this.msgId() });
      return;
    }
    let at: number | undefined;
    if (body.length > 0) {
      try {
        const v = JSON.parse(new TextDecoder().decode(body)) as { at?: unknown };
        if (typeof v.at === 'number') at = v.at;
      } catch {
        return void this.counts.malformed++;
      }
    }
    this.routes.claim(hub, device, at);
    this.owed.claimed(device);
  }

  // ---- claims ----

  private claim(device: string): void {
    this.local.add(device);
    this.announce(device, true);
  }

  private withdraw(device: string): void {
    this.local.delete(device);
    this.announce(device, false);
  }

  private announce(device: string, held: boolean): void {
    const at = Date.now();
    this.routes.claim(this.self, device, held ? at : undefined);
    if (held) this.owed.claimed(device);
    const body = held ? JSON.stringify({ at }) : new Uint8Array(0);
    this.bridge.publishDirect(this.claimTopic(device), body, { qos: 1, retain: true, msgId: this.msgId() });
  }

  private claimTopic(device: string): string {
    return `${this.prefix}/held/${this.self}/${device}`;
  }

  // ---- helpers ----

  private send(hub: string, m: RelayMessage): boolean {
    return this.bridge.publishDirect(`${this.prefix}/rpc/${hub}`, encodeRelay(m), { qos: 1, msgId: this.msgId() });
  }

  private msgId(): string {
    return `c${this.boot}.${++this.seq}`;
  }

  private expire<V extends { timer: NodeJS.Timeout }>(m: Map<string, V>, k: string, timeoutMs: number): NodeJS.Timeout {
    const t = setTimeout(() => m.delete(k), timeoutMs + SLACK_MS);
    t.unref();
    return t;
  }
}

function key(caller: string, callId: bigint): string {
  return `${caller}\u0000${callId}`;
}

function unkey(k: string): [string, bigint] {
  const i = k.indexOf('\u0000');
  return [k.slice(0, i), BigInt(k.slice(i + 1))];
}
