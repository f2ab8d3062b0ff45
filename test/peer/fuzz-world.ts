/**
 * The world of the fuzz properties (fuzz.property.test.ts): a hub and a device on a MemoryNetwork in
 * virtual time, with a corpus of genuine datagrams captured from their exchange, and the means to
 * feed datagrams to the hub's receive path from a fuzzer's addresses and to see everything the hub
 * sends. Randomness (BOOT, receiver indexes, message ids) comes from a seeded generator, so a world
 * built from one seed is the same every time and a failing fast-check run replays exactly.
 * @module
 */
import { tweetnaclSuite, type CryptoSuite } from '../../src/core.js';
import type { SaltwireNode } from '../../src/peer/node.js';
import type { CapturedDatagram, MemoryTransport } from '../../src/transport/memory.js';
import type { Address } from '../../src/transport/transport.js';
import { Prng } from '../../src/util/prng.js';
import { GenuineSet } from '../../bench/fuzz-mutate.js';
import { Harness, HUB, text } from './harness.js';

export const DEV = 'sensor-1';
export const FUZZ_HOSTS = 8;
/** The fuzzer's i-th source address: its own host, never a node's. */
export const fuzzAddress = (i: number): Address => ({ host: `fuzz-${i % FUZZ_HOSTS}`, port: 1000 + (i % 50_000) });
/** The fuzzer's addresses: fuzzAddress, and any other host named `fuzz-*` or `flood-*`. */
const isFuzzer = (a: Address): boolean => a.host.startsWith('fuzz-') || a.host.startsWith('flood-');

/** tweetnacl with randomBytes from a seeded generator: a deterministic world. Tests only. */
export function seededSuite(seed: number): CryptoSuite {
  const rng = new Prng(`fuzz-world-${seed}`);
  return {
    ...tweetnaclSuite,
    randomBytes: (n: number) => Uint8Array.from({ length: n }, () => rng.int(256)),
  };
}

/** The node's options, for what the tests look at inside it: its transport and keyring. */
function optionsOf(n: SaltwireNode): { transport: MemoryTransport; keyring: { cache?: Map<string, unknown> } } {
  return (n as unknown as { o: { transport: MemoryTransport; keyring: { cache?: Map<string, unknown> } } }).o;
}

export interface HubView {
  readonly drops: number;
  readonly received: number;
  readonly sent: number;
  readonly peers: number;
  readonly contexts: number;
  readonly sources: number;
  readonly cachedKeys: number;
  readonly transportReceived: number;
}

export class FuzzWorld {
  /** Genuine datagrams of the exchange, both directions, the device's two lives: every one was delivered. */
  readonly corpus: Uint8Array[] = [];
  /** Every datagram the hub sent to a fuzzer address. */
  readonly toFuzzer: CapturedDatagram[] = [];
  /** Every datagram the hub sent, to anyone, since the corpus was taken. */
  readonly fromHub: CapturedDatagram[] = [];
  /** Texts the hub's application got, in order. */
  readonly delivered: string[] = [];
  genuine = new GenuineSet([]);

  private constructor(
    readonly h: Harness,
    readonly hub: SaltwireNode,
    readonly dev: SaltwireNode,
  ) {}

  /**
   * Hub and device exchange plain and reliable data both ways (FULL, then SHORT once the hub's INDEX
   * arrived; a 3 kB reliable message in fragments), the device restarts (its first life's datagrams
   * become stale), and both lives exchange again; then the network stays quiet until nothing is owed.
   * `heldBack`: texts the device sends at the end over a path that drops them (captured, never
   * delivered): genuine datagrams the hub has not seen.
   */
  static async build(seed: number, heldBack: readonly string[] = []): Promise<FuzzWorld> {
    const h = new Harness(seededSuite(seed), seed);
    const captured: Uint8Array[] = [];
    h.net.onCapture((d) => void (!d.injected && captured.push(d.bytes)));
    const hub = await h.hub();
    let dev = await h.device(DEV);
    await h.run(20);
    const exchange = async (tag: string): Promise<void> => {
      // reliable sends resolve once acknowledged, which needs virtual time to pass: not awaited here
      const acked = (p: Promise<void>): void => void p.catch(() => undefined);
      dev.send('hub', text(`${tag}-plain`));
      hub.send(DEV, text(`${tag}-down`));
      acked(dev.send('hub', text(`${tag}-reliable`), { reliable: true }));
      acked(hub.send(DEV, text(`${tag}-reliable-down`), { reliable: true }));
      await h.run(50);
      dev.send('hub', text(`${tag}-short`));
      acked(dev.send('hub', new Uint8Array(3000).fill(0x33), { reliable: true }));
      await h.run(300);
    };
    await exchange('life1');
    await dev.close();
    dev = await h.device(DEV); // the same state store: a new epoch and BOOT
    await h.run(20);
    await exchange('life2');
    await h.run(2000); // acknowledgements, INDEX repeats: nothing owed any more
    const w = new FuzzWorld(h, hub, dev);
    w.corpus.push(...captured);
    if (heldBack.length > 0) {
      const devAddr = optionsOf(dev).transport.local;
      h.net.partition(devAddr, HUB, { oneWay: true });
      for (const t of heldBack) dev.send('hub', text(t));
      await h.run(1);
      h.net.heal();
      w.heldBack = captured.slice(w.corpus.length);
    }
    w.genuine = new GenuineSet([...w.corpus, ...w.heldBack]);
    hub.on('message', (m) => w.delivered.push(new TextDecoder().decode(m.data)));
    h.net.onCapture((d) => {
      if (d.injected || d.from.host !== HUB.host) return;
      w.fromHub.push(d);
      if (isFuzzer(d.to)) w.toFuzzer.push(d);
    });
    return w;
  }

  /** Datagrams the device sent while its path to the hub dropped everything (see build). */
  heldBack: Uint8Array[] = [];

  /** Feeds `d` to the hub from `from`, as the network would; call settle() to process it. */
  inject(d: Uint8Array, from: Address): void {
    this.h.net.inject(d, from, HUB);
  }

  /** Processes what was injected (and anything due within `ms` of virtual time). */
  async settle(ms = 1): Promise<void> {
    await this.h.run(ms, 1);
  }

  view(): HubView {
    const s = this.hub.stats;
    const internals = this.hub as unknown as { receiver: { contextCount: number } };
    const o = optionsOf(this.hub);
    return {
      drops: Object.values(s.drops).reduce((a, b) => a + (b ?? 0), 0),
      received: s.received,
      sent: s.sent.datagrams,
      peers: s.peers,
      contexts: internals.receiver.contextCount,
      sources: s.admission.sources,
      cachedKeys: o.keyring.cache?.size ?? 0,
      transportReceived: o.transport.stats.datagramsReceived,
    };
  }
}
