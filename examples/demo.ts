/**
 * Saltwire in one screen: a hub and two devices over real UDP on loopback. They find each other
 * with no connect(), exchange data, shrug off an attacker's junk and replays (silence, counted),
 * recover from a device reboot in one round trip, and report a vanished device as unreachable and
 * then reachable again, all with no user code; then they publish, subscribe and call each other by
 * id through the hub. Every datagram on the wire is printed.
 *
 *   npm run demo
 */
import DgramAsPromised from 'dgram-as-promised';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Client,
  defaultCryptoSuite,
  Hub,
  deriveDeviceKey,
  generateKey,
  PairKeyring,
  PeerUnreachableError,
  SiteKeyring,
  startNode,
  UdpTransport,
  type Address,
  type ReceiveHandler,
  type SaltwireNode,
  type Transport,
} from '../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Short timers so the demo shows a whole outage in seconds (defaults: 25 s / 30 s / 10 s). */
const DEMO_LIVENESS = { keepaliveMs: 500, probeAfterMs: 800, probeIntervalMs: 200, probeMaxIntervalMs: 400, unreachableAfterMs: 1_000, recoveryIntervalMs: 500 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FORMS: Record<number, string> = { 0x40: 'SHORT', 0x50: 'FULL', 0x60: 'HANDSHAKE' };

/** A Transport that prints every datagram it sends and keeps the last few, as a wire tap would. */
class Tap implements Transport {
  readonly sent: Uint8Array[] = [];
  constructor(private readonly inner: UdpTransport, private readonly name: string, private readonly log: (s: string) => void, private readonly names: Map<number, string>) {}
  get local(): Address { return this.inner.local; }
  get mtu(): number { return this.inner.mtu; }
  send(d: Uint8Array, to: Address): Promise<void> {
    this.sent.push(d.slice());
    const form = FORMS[d[0]!] ?? '?';
    const hex = Buffer.from(d.subarray(0, Math.min(d.length, 12))).toString('hex');
    this.log(`  wire  ${this.name.padEnd(8)} -> ${(this.names.get(to.port) ?? to.port.toString()).padEnd(8)} ${String(d.length).padStart(3)} B  ${form.padEnd(5)} ${hex}...`);
    return this.inner.send(d, to);
  }
  onReceive(h: ReceiveHandler): void { this.inner.onReceive(h); }
  close(): Promise<void> { return this.inner.close(); }
}

export interface DemoResult {
  delivered: string[];
  junkAnswers: number;
  drops: Record<string, number>;
  restartSeen: boolean;
  recoveryMs: number;
  unreachableMs: number;
  fastFailure: boolean;
  backMs: number;
  steadyOverhead: number;
  /** What sensor-2 got on `sensors/#`, and what sensor-1's call of sensor-2's `reading` returned. */
  published: string[];
  called: unknown;
}

export async function runDemo(log: (s: string) => void = console.log): Promise<DemoResult> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-demo-'));
  const suite = defaultCryptoSuite();
  const site = generateKey(suite);
  const names = new Map<number, string>();
  const delivered: string[] = [];
  const nodes: SaltwireNode[] = [];
  const tap = async (name: string, port = 0) => {
    const t = new Tap(await UdpTransport.bind({ host: '127.0.0.1', port }), name, log, names);
    names.set(t.local.port, name);
    return t;
  };
  try {
    log(`crypto: ${suite.name}; site key generated; device keys derived from it (spec 3.4)\n`);
    const hubTap = await tap('hub');
    const hub = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, site), transport: hubTap, stateDir: join(dir, 'hub'), provisioning: true, suite, liveness: DEMO_LIVENESS });
    nodes.push(hub);
    hub.on('message', (m) => {
      if (m.channel !== 0) return; // channels 1-15 carry the message layer of step 6 (spec 15.3)
      delivered.push(dec.decode(m.data));
      log(`  hub   got "${dec.decode(m.data)}" from ${m.from}`);
    });
    const device = async (id: string, provisioning: boolean, port = 0) => {
      const t = await tap(id, port);
      const keyring = new PairKeyring().add('hub', 0, deriveDeviceKey(suite, site, id, 0));
      const n = await startNode({ id, keyring, transport: t, stateDir: join(dir, id), provisioning, suite, liveness: DEMO_LIVENESS, peers: [{ id: 'hub', address: hubTap.local }] });
      nodes.push(n);
      return { node: n, tap: t };
    };

    log('1. First contact: each device says hello (PING + CHALLENGE, FULL header naming it); the hub answers');
    log('   with an INDEX for SHORT headers, the echo, and its own challenge. No connect(), no handshake.');
    const s1 = await device('sensor-1', true);
    const s2 = await device('sensor-2', true);
    await sleep(100);
    log(`   hub sees sensor-1 ${hub.reachability('sensor-1')}, sensor-2 ${hub.reachability('sensor-2')}\n`);

    log('2. Data, addressed by id. Steady state uses the 9-byte SHORT header:');
    s1.node.send('hub', enc.encode('21.5 C'));
    s2.node.send('hub', enc.encode('40% RH'));
    await sleep(50);
    const last = s1.tap.sent[s1.tap.sent.length - 1]!;
    const steadyOverhead = last.length - enc.encode('21.5 C').length;
    log(`   overhead of that datagram: ${steadyOverhead} B (9 header + 16 tag + 1 frame type)\n`);

    log('3. An attacker sends junk and replays a captured datagram: no byte comes back, drops are counted.');
    const attacker = DgramAsPromised.createSocket('udp4');
    let junkAnswers = 0;
    attacker.socket.on('message', () => junkAnswers++);
    await attacker.bind(0, '127.0.0.1');
    for (let i = 0; i < 100; i++) await attacker.send(Buffer.from(suite.randomBytes(1 + (i % 80))), hubTap.local.port, '127.0.0.1');
    await attacker.send(Buffer.from(last), hubTap.local.port, '127.0.0.1');
    await sleep(100);
    await attacker.close();
    log(`   answers to the attacker: ${junkAnswers}; hub drop counters: ${JSON.stringify(hub.stats.drops)}\n`);

    log('4. sensor-1 reboots (new process state: its epoch comes from its state directory, +1):');
    const port1 = s1.tap.local.port;
    await s1.node.close();
    let restartSeen = false;
    hub.on('restart', (e) => { restartSeen = true; log(`   hub: ${e.peer} restarted (epoch ${e.epoch}); it recovers by itself`); });
    const t0 = performance.now();
    const s1b = await device('sensor-1', false, port1);
    s1b.node.send('hub', enc.encode('21.6 C'));
    while (!delivered.includes('21.6 C') && performance.now() - t0 < 2_000) await sleep(5);
    const recoveryMs = performance.now() - t0;
    log(`   first reading after the reboot delivered ${recoveryMs.toFixed(1)} ms after the restart\n`);

    log('5. sensor-2 vanishes (bad WiFi). The hub notices, fails fast, and finds it again when it returns.');
    const port2 = s2.tap.local.port;
    await s2.node.close();
    const t1 = performance.now();
    while (hub.reachability('sensor-2') !== 'unreachable' && performance.now() - t1 < 5_000) await sleep(20);
    const unreachableMs = performance.now() - t1;
    let fastFailure = false;
    try { hub.assertReachable('sensor-2'); } catch (e) { fastFailure = e instanceof PeerUnreachableError; }
    log(`   unreachable after ${unreachableMs.toFixed(0)} ms (demo timers); a request now fails at once: ${fastFailure}`);
    const t2 = performance.now();
    const s2b = await device('sensor-2', false, port2);
    while (hub.reachability('sensor-2') !== 'reachable' && performance.now() - t2 < 5_000) await sleep(5);
    const backMs = performance.now() - t2;
    s2b.node.send('hub', enc.encode('41% RH'));
    await sleep(50);
    log(`   reachable again ${backMs.toFixed(1)} ms after it came back\n`);

    log('6. Pub/sub and RPC through the hub (spec 15, 16): sensor-2 subscribes to sensors/#, sensor-1');
    log('   publishes at QoS 1, and calls sensor-2 by id; the hub routes both.');
    const hubMsg = await Hub.start(hub, {});
    const c1 = await Client.start(s1b.node, { hub: 'hub' });
    const c2 = await Client.start(s2b.node, { hub: 'hub' });
    const published: string[] = [];
    const sub = c2.subscribe('sensors/#', { qos: 1 }, (p) => {
      published.push(p.text());
      log(`   sensor-2 got "${p.text()}" on ${p.topic} from ${p.from}`);
    });
    await sub.granted;
    c2.serve('reading', () => ({ rh: 41 }));
    await c1.publish('sensors/sensor-1/temp', '21.7 C', { qos: 1 });
    const called = await c1.call('sensor-2', 'reading', null, { timeout: 2_000 });
    log(`   sensor-1 called sensor-2.reading: ${JSON.stringify(called)}\n`);
    for (let i = 0; i < 100 && published.length === 0; i++) await sleep(10);
    await c1.close();
    await c2.close();
    await hubMsg.close();
    return { delivered, junkAnswers, drops: { ...hub.stats.drops }, restartSeen, recoveryMs, unreachableMs, fastFailure, backMs, steadyOverhead, published, called };
  } finally {
    for (const n of nodes) await n.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await runDemo();
  console.log(`delivered: ${r.delivered.join(', ')}`);
}
