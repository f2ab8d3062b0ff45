/**
 * Discovery on Node (spec 19.6, 19.7, 19.9): discoverHub() scouts for a hub with nothing but this
 * node's key; startDiscoveryResponder() answers for a hub. Both own their sockets and timers; the
 * protocol is in src/multicast (Scouter, DiscoveryResponder).
 * @module
 */
import type { CryptoSuite } from '../crypto/suite.js';
import { HubUnreachableError } from '../errors.js';
import { DEFAULT_GROUP_PORT, DEFAULT_GROUP_V4, DISCOVERY_FALLBACK_MS } from '../multicast/constants.js';
import { DiscoveryResponder, type ResponderOptions } from '../multicast/responder.js';
import type { GroupDrop } from '../multicast/drop.js';
import { Scouter } from '../multicast/scout.js';
import type { Keyring } from '../session/keyring.js';
import { defaultCryptoSuite } from './crypto.js';
import { MulticastSocket } from './multicast-socket.js';
import { keyBytes } from './quick-start.js';

export interface DiscoveryNetwork {
  /** Discovery group; default 239.255.83.87 (ff02::5357 for IPv6) [SW-19.9-1]. */
  readonly group?: string;
  /** Default 5357. */
  readonly port?: number;
  /** Interface address for the group, e.g. '127.0.0.1' on loopback. */
  readonly interface?: string;
  readonly ttl?: number;
}

/** @group Multicast and discovery */
export interface DiscoverHubOptions extends DiscoveryNetwork {
  /** This node's id and its key for the hubs of its site (`saltwire derive --device ID`). */
  readonly id: string;
  readonly key: string | Uint8Array;
  readonly gen?: number;
  /** A configured or remembered hub address, used when no hub answered in `fallbackMs` [SW-19.9-3]. */
  readonly fallback?: { readonly hubId?: string; readonly host: string; readonly port: number };
  /** Default 1500 ms. */
  readonly fallbackMs?: number;
  /** With no fallback: give up (HubUnreachableError) after this long; default 10 s. */
  readonly timeoutMs?: number;
  readonly padTo?: number;
  readonly suite?: CryptoSuite;
}

/** @group Multicast and discovery */
export interface DiscoveredHub {
  readonly hubId: string;
  readonly host: string;
  readonly port: number;
  /** 'announce': a hub answered; 'fallback': the configured or remembered address. */
  readonly via: 'announce' | 'fallback';
  readonly elapsedMs: number;
  readonly scouts: number;
  readonly scoutBytes: number;
  /** Datagrams received and dropped while scouting, by reason. */
  readonly drops: Readonly<Record<string, number>>;
}

/**
 * Finds a hub of this node's site on the local network [SW-19.6-7]: scouts at once, then after
 * 250 ms, 500 ms... until an authentic ANNOUNCE names a hub; falls back to `fallback` after
 * `fallbackMs` if given [SW-19.9-3].
 *
 * @example
 * ```ts
 * const hub = await discoverHub({ id: 'sensor-1', key: process.env.SALTWIRE_KEY!, fallback: { host: '10.0.0.2', port: 4000 } });
 * const client = await startClient({ hub: `${hub.host}:${hub.port}`, hubId: hub.hubId, id: 'sensor-1', key: process.env.SALTWIRE_KEY! });
 * ```
 * @group Multicast and discovery
 */
export async function discoverHub(o: DiscoverHubOptions): Promise<DiscoveredHub> {
  const suite = o.suite ?? defaultCryptoSuite();
  const scouter = new Scouter({ suite, id: o.id, pairKey: keyBytes(o.key, 'key'), ...(o.gen !== undefined && { gen: o.gen }), ...(o.padTo !== undefined && { padTo: o.padTo }) });
  const port = o.port ?? DEFAULT_GROUP_PORT;
  const net = { port, ...(o.interface !== undefined && { interface: o.interface }), ...(o.ttl !== undefined && { ttl: o.ttl }) };
  const group = await MulticastSocket.open({ ...net, group: o.group ?? DEFAULT_GROUP_V4 });
  const unicast = await MulticastSocket.open(net);
  const start = performance.now();
  const drops: Record<string, number> = {};
  let scoutBytes = 0;
  const timers: ReturnType<typeof setTimeout>[] = [];
  try {
    return await new Promise<DiscoveredHub>((resolve, reject) => {
      const finish = (hubId: string, host: string, p: number, via: DiscoveredHub['via']) =>
        resolve({ hubId, host, port: p, via, elapsedMs: performance.now() - start, scouts: scouter.attempts, scoutBytes, drops });
      const onDatagram = (d: Uint8Array, from: { host: string; port: number }) => {
        if (d[1] === 0x01) return; // another node's SCOUT on the group: not ours to judge
        const a = scouter.accept(d);
        if (typeof a === 'string') {
          drops[a] = (drops[a] ?? 0) + 1;
          return;
        }
        finish(a.hubId, a.address ?? from.host, a.port, 'announce');
      };
      group.onMessage(onDatagram);
      unicast.onMessage(onDatagram);
      const scout = (attempt: number) => {
        const s = scouter.next();
        scoutBytes += s.length;
        void unicast.send(s, { host: o.group ?? DEFAULT_GROUP_V4, port });
        timers.push(setTimeout(() => scout(attempt + 1), Scouter.delayAfter(attempt)));
      };
      scout(0);
      const fb = o.fallback;
      if (fb !== undefined) timers.push(setTimeout(() => finish(fb.hubId ?? 'hub', fb.host, fb.port, 'fallback'), o.fallbackMs ?? DISCOVERY_FALLBACK_MS));
      else timers.push(setTimeout(() => reject(new HubUnreachableError('hub', undefined, o.timeoutMs ?? 10_000)), o.timeoutMs ?? 10_000));
    });
  } finally {
    for (const t of timers) clearTimeout(t);
    scouter.done();
    await Promise.all([group.close(), unicast.close()]);
  }
}

/** @group Multicast and discovery */
export interface DiscoveryResponderOptions extends DiscoveryNetwork {
  readonly hubId: string;
  readonly keyring: Keyring;
  /** The hub's unicast port (and address, if the ANNOUNCE's source address is not the one to use). */
  readonly announce: { readonly port: number; readonly address?: string };
  readonly suite?: CryptoSuite;
  readonly clock?: () => number;
  readonly responder?: Partial<Pick<ResponderOptions, 'random' | 'deriveRate' | 'replyRate' | 'replySourceRate'>>;
  /** Hears each unanswered scout's reason as it is counted (counts: `responder.drops.snapshot()`) [SW-19.1-3]. */
  readonly onDrop?: (reason: GroupDrop) => void;
}

/** @group Multicast and discovery */
export interface RunningResponder {
  readonly responder: DiscoveryResponder;
  readonly socket: MulticastSocket;
  close(): Promise<void>;
}

/**
 * Answers scouts for a hub on the discovery group, within the reply budget [SW-19.7-1]-[SW-19.7-4].
 * @group Multicast and discovery
 */
export async function startDiscoveryResponder(o: DiscoveryResponderOptions): Promise<RunningResponder> {
  const suite = o.suite ?? defaultCryptoSuite();
  const clock = o.clock ?? (() => performance.now());
  const responder = new DiscoveryResponder({ suite, hubId: o.hubId, keyring: o.keyring, announce: o.announce, ...o.responder });
  responder.drops.onDrop = o.onDrop;
  const socket = await MulticastSocket.open({
    group: o.group ?? DEFAULT_GROUP_V4,
    port: o.port ?? DEFAULT_GROUP_PORT,
    ...(o.interface !== undefined && { interface: o.interface }),
    ...(o.ttl !== undefined && { ttl: o.ttl }),
  });
  const timers = new Set<ReturnType<typeof setTimeout>>();
  socket.onMessage((d, from) => {
    if (d.length >= 2 && d[0] === 0x70 && d[1] === 0x02) {
      responder.observe(d); // another hub's answer: may suppress ours [SW-19.7-4]
      return;
    }
    const r = responder.onScout(d, `${from.host}:${from.port}`, clock());
    if (!r.ok) return; // silence [SW-19.7-1]
    const t = setTimeout(() => {
      timers.delete(t);
      if (responder.take(r.token, r.reply)) void socket.send(r.reply, r.toGroup ? undefined : from);
    }, r.delayMs);
    timers.add(t);
  });
  return {
    responder,
    socket,
    async close() {
      for (const t of timers) clearTimeout(t);
      await socket.close();
    },
  };
}
