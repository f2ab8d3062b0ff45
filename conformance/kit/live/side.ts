/**
 * The runner's side of a live run: the identities it plays against the target, each an SDK node
 * (src/node/start.ts) over real UDP through a TapTransport. Against a hub: one or two devices (two
 * when it has the site key: pub/sub and calls go from one to the other through the hub), each
 * declaring small limits in its SYNC (a 600-byte MAX_DATAGRAM, one alias, the device profile's
 * WINDOW of 8) so that a hub that ignores them shows it. Against a device: its hub, listening where
 * the device sends.
 * @module
 */
import { existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, defaultCryptoSuite, deriveDeviceKey, Hub, PairKeyring, SiteKeyring, startNode, UdpTransport, type Messaging, type SaltwireNode } from '../../../src/index.js';
import type { Address } from '../../../src/transport/transport.js';
import { TapTransport } from './tap.js';
import { WireView, type Declared, type Opened } from './wire.js';

export interface LiveTarget {
  /** The target's address (udp://HOST:PORT). */
  readonly address: Address;
  /** What the target is: a hub (the runner plays devices) or a device (the runner plays its hub). */
  readonly role: 'hub' | 'device';
  /** The target's node id (default 'hub' for a hub; required for a device with a pair key). */
  readonly targetId: string;
  /** The runner's own node id (default 'live-a' against a hub, 'hub' against a device). */
  readonly id: string;
  /** The pair key of (id, targetId); or the site key, from which the runner derives it (and a second identity's). */
  readonly key?: Uint8Array;
  readonly siteKey?: Uint8Array;
  /** Against a device: where the runner's hub listens (the address the device sends to). */
  readonly listen?: Address;
}

/** What the runner declares in SYNC to a hub target (checked on the wire, wire.ts). */
export const DECLARED: Declared = { maxDatagram: 600, maxAliases: 1, window: 8 };

export interface Ident {
  readonly id: string;
  readonly node: SaltwireNode;
  readonly tap: TapTransport;
  readonly view: WireView;
  readonly msg: Messaging;
  readonly client?: Client;
  readonly hub?: Hub;
}

/** Every datagram of `who`'s capture that opens, in order (a SHORT one opens once its start's FULL one did). */
export function opened(who: Ident): Opened[] {
  return who.tap.records.flatMap((r) => {
    const o = who.view.open(r);
    return o === undefined ? [] : [o];
  });
}

export class Side {
  /** Payloads of the publications each identity took (live/#), by identity id. */
  readonly got = new Map<string, string[]>();

  /** How many publications whose payload starts with `tag` any identity took. */
  delivered(tag: string): number {
    return [...this.got.values()].reduce((n, l) => n + l.filter((p) => p.startsWith(tag)).length, 0);
  }

  private constructor(
    readonly t: LiveTarget,
    readonly a: Ident,
    /** A second device (a hub target with the site key), else `a` again. */
    readonly b: Ident,
    private readonly dirs: string[],
  ) {}

  /** Where the target is now: its configured address, or (a device) where its datagrams come from. */
  get targetAddress(): Address {
    const last = opened(this.a).filter((x) => x.dir === 'in').at(-1)?.rec;
    return last?.peer ?? this.t.address;
  }

  static async start(t: LiveTarget): Promise<Side> {
    const suite = defaultCryptoSuite();
    const dirs: string[] = [];
    // Each identity keeps its epoch record between runs (a run against the same target starts above
    // the last one's epoch, not STALE at epoch 1 again), per identity and target address.
    const state = (id: string): { stateDir: string; provisioning: boolean } => {
      const stateDir = join(tmpdir(), 'saltwire-conformance-live', `${id}@${t.address.host}_${t.address.port}`);
      const provisioning = !existsSync(stateDir);
      mkdirSync(stateDir, { recursive: true });
      return { stateDir, provisioning };
    };
    const pairKey = (id: string, peer: string): Uint8Array => {
      if (t.siteKey !== undefined) return deriveDeviceKey(suite, t.siteKey, t.role === 'hub' ? id : peer, 0);
      if (t.key === undefined) throw new Error('live: a key (--key-file) or the site key (--site-file) is needed');
      return t.key;
    };
    if (t.role === 'device') {
      const udp = await UdpTransport.bind(t.listen ?? { host: t.address.host, port: 0 });
      const tap = new TapTransport(udp, 7);
      const keyring = t.siteKey !== undefined ? new SiteKeyring(suite, t.siteKey) : new PairKeyring().add(t.targetId, 0, pairKey(t.id, t.targetId));
      const node = await startNode({ id: t.id, keyring, transport: tap, ...state(t.id), suite, peers: [{ id: t.targetId, address: t.address }] });
      const hub = await Hub.start(node, { closeNode: true, persist: false });
      const a: Ident = { id: t.id, node, tap, view: new WireView(t.id, t.targetId, pairKey(t.id, t.targetId)), msg: hub, hub };
      return new Side(t, a, a, dirs);
    }
    // the first device declares small limits (checked on the wire); the second sends bursts at the SDK's defaults
    const device = async (id: string, seed: number, small: boolean): Promise<Ident> => {
      const udp = await UdpTransport.bind({ host: t.address.host.includes(':') ? '::' : '0.0.0.0', port: 0 });
      const tap = new TapTransport(udp, seed);
      const key = pairKey(id, t.targetId);
      const node = await startNode({
        id,
        keyring: new PairKeyring().add(t.targetId, 0, key),
        transport: tap,
        ...state(id),
        suite,
        peers: [{ id: t.targetId, address: t.address }],
        ...(small && { maxDatagram: DECLARED.maxDatagram, reliability: { profile: 'device' as const } }),
      });
      const client = await Client.start(node, { hub: t.targetId, closeNode: true, ...(small && { aliases: DECLARED.maxAliases, limits: { window: DECLARED.window } }) });
      return { id, node, tap, view: new WireView(id, t.targetId, key), msg: client, client };
    };
    const a = await device(t.id, 11, true);
    const b = t.siteKey !== undefined ? await device(`${t.id}-b`, 13, false) : a;
    return new Side(t, a, b, dirs);
  }

  get idents(): Ident[] {
    return this.a === this.b ? [this.a] : [this.a, this.b];
  }

  async close(): Promise<void> {
    // bounded: a hub drains what it forwards (2 s) and a stopped target answers nothing
    for (const i of this.idents) await Promise.race([(i.client ?? i.hub)!.close().catch(() => undefined), new Promise((r) => setTimeout(r, 3000))]);
    for (const d of this.dirs) await rm(d, { recursive: true, force: true });
  }
}
