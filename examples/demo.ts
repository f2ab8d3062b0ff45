/**
 * Saltwire in one screen: a hub and a device exchange sealed datagrams over real UDP on loopback.
 * Shows what goes on the wire (FULL header first, 9-byte SHORT header once the hub has assigned an
 * index), and what an attacker's replayed, tampered and stale datagrams get: silence, counted.
 *
 *   npm run demo
 */
import DgramAsPromised from 'dgram-as-promised';
import { fileURLToPath } from 'node:url';
import {
  beginEpoch,
  defaultCryptoSuite,
  deriveDeviceKey,
  encodeFrames,
  generateKey,
  MemoryEpochStore,
  PairKeyring,
  PeerSender,
  Receiver,
  SiteKeyring,
  toHex,
  type Accepted,
} from '../src/index.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A UDP socket on 127.0.0.1 with a queue of received datagrams ('message' event, not recv()). */
async function udpEndpoint() {
  const sock = DgramAsPromised.createSocket('udp4');
  const inbox: Uint8Array[] = [];
  const waiters: Array<(d: Uint8Array) => void> = [];
  sock.socket.on('message', (m) => {
    const d = new Uint8Array(m.buffer, m.byteOffset, m.length);
    const w = waiters.shift();
    if (w) w(d);
    else inbox.push(d);
  });
  const { port } = await sock.bind(0, '127.0.0.1');
  return {
    port,
    send: (d: Uint8Array, to: number) => sock.send(d, to, '127.0.0.1'),
    next: (ms = 1000) =>
      new Promise<Uint8Array | undefined>((resolve) => {
        const d = inbox.shift();
        if (d) return resolve(d);
        const t = setTimeout(() => resolve(undefined), ms);
        waiters.push((x) => (clearTimeout(t), resolve(x)));
      }),
    close: () => sock.close(),
  };
}

export interface DemoResult {
  delivered: string[];
  forms: string[];
  drops: Record<string, number>;
  hubAnswersToAttacks: number;
  steadyOverhead: number;
}

export async function runDemo(log: (s: string) => void = console.log): Promise<DemoResult> {
  const suite = defaultCryptoSuite();
  const siteKey = generateKey(suite);
  const deviceKey = deriveDeviceKey(suite, siteKey, 'sensor-1', 0); // what provisioning puts on the device
  const hubKeys = new SiteKeyring(suite, siteKey); // the hub derives any device key from the site key
  const hubRx = new Receiver({ suite, selfId: 'hub', keyring: hubKeys });
  const devRx = new Receiver({ suite, selfId: 'sensor-1', keyring: new PairKeyring().add('hub', 0, deviceKey) });
  const hubStore = new MemoryEpochStore(0); // records created at provisioning [SW-5.2-5]
  const devStore = new MemoryEpochStore(0);
  const hubEpoch = await beginEpoch(hubStore);
  let devEpoch = await beginEpoch(devStore);

  const hub = await udpEndpoint();
  const dev = await udpEndpoint();
  log(`crypto backend: ${suite.name}; hub on udp 127.0.0.1:${hub.port}, sensor-1 on 127.0.0.1:${dev.port}\n`);

  const toHub = new PeerSender({ suite, selfId: 'hub', peerId: 'sensor-1', pairKey: deriveDeviceKey(suite, siteKey, 'sensor-1', 0), gen: 0, epoch: hubEpoch });
  let toDev = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deviceKey, gen: 0, epoch: devEpoch });
  const result: DemoResult = { delivered: [], forms: [], drops: {}, hubAnswersToAttacks: 0, steadyOverhead: 0 };
  const captured: Uint8Array[] = [];
  const show = (dir: string, d: Uint8Array, note: string) =>
    log(`${dir} ${String(d.length).padStart(3)} B ${d[0] === 0x40 ? 'SHORT' : 'FULL '} ${toHex(d.subarray(0, d[0] === 0x40 ? 9 : 11 + d[10]!))} | ${toHex(d.subarray(d[0] === 0x40 ? 9 : 11 + d[10]!)).slice(0, 40)}…  ${note}`);

  /** The hub's side: open, answer with an acknowledgement that carries the INDEX frame when due. */
  const hubServe = async (): Promise<void> => {
    const d = await hub.next();
    if (d === undefined) return;
    const r = hubRx.open(d, Date.now());
    if (!r.ok) return; // silence [SW-6.3-1]
    for (const f of r.frames) if (f.type === 'INDEX') toHub.applyIndex(f, Date.now());
    toHub.heard(Date.now());
    const text = dec.decode((r.frames.find((f) => f.type === 'DATAGRAM') as { data: Uint8Array }).data);
    result.delivered.push(text);
    result.forms.push(r.form);
    const frames = r.announceIndex ? [r.announceIndex, { type: 'DATAGRAM' as const, data: enc.encode('ack') }] : [{ type: 'DATAGRAM' as const, data: enc.encode('ack') }];
    const reply = toHub.seal(encodeFrames(frames));
    show('hub -> dev', reply, r.announceIndex ? `ack + INDEX ${r.announceIndex.index}` : 'ack');
    await hub.send(reply, dev.port);
  };
  let devIndexFrame: Accepted['announceIndex'];
  const devReceive = async (): Promise<void> => {
    const d = await dev.next();
    if (d === undefined) return;
    const r = devRx.open(d, Date.now()) as Accepted;
    devIndexFrame = r.announceIndex; // piggybacked on the next reading
    for (const f of r.frames) if (f.type === 'INDEX') toDev.applyIndex(f, Date.now());
    toDev.heard(Date.now());
  };
  const reading = async (text: string) => {
    const data = { type: 'DATAGRAM' as const, data: enc.encode(text) };
    const d = toDev.seal(encodeFrames(devIndexFrame ? [devIndexFrame, data] : [data]), Date.now());
    devIndexFrame = undefined;
    captured.push(d);
    show('dev -> hub', d, `"${text}" (epoch ${toDev.epoch}, counter ${toDev.counter - 1})`);
    if (d[0] === 0x40 && d.length < 40) result.steadyOverhead = d.length - enc.encode(text).length;
    await dev.send(d, hub.port);
    await hubServe();
    await devReceive();
  };

  for (const t of ['21.5 C', '21.6 C', '21.6 C']) await reading(t);

  log('\nattacker: replays a captured datagram, tampers with an intercepted one, sends junk');
  // the second attack intercepts a datagram before it is delivered and changes one bit of its tag
  const intercepted = toDev.seal(encodeFrames([{ type: 'DATAGRAM', data: enc.encode('99.9 C') }]), Date.now());
  const attacks = [captured[1]!, Uint8Array.from(intercepted, (b, i) => (i === 12 ? b ^ 0x10 : b)), enc.encode('hello?')];
  for (const a of attacks) await dev.send(a, hub.port);
  for (let i = 0; i < attacks.length; i++) {
    const d = await hub.next();
    const r = hubRx.open(d!, Date.now());
    log(`  hub drops ${String(d!.length).padStart(3)} B: ${r.ok ? 'ACCEPTED (bug!)' : r.reason}; sends nothing`);
    if (r.ok) result.hubAnswersToAttacks++;
  }

  log('\nsensor-1 reboots: persists epoch+1 before sending, starts again with a FULL header');
  devEpoch = await beginEpoch(devStore);
  toDev = new PeerSender({ suite, selfId: 'sensor-1', peerId: 'hub', pairKey: deviceKey, gen: 0, epoch: devEpoch });
  await reading('21.7 C');
  const stale = hubRx.open(captured[0]!, Date.now());
  log(`  a pre-reboot datagram replayed now: ${stale.ok ? 'ACCEPTED (bug!)' : stale.reason}`);

  result.drops = hubRx.drops.snapshot() as Record<string, number>;
  log(`\nhub delivered: ${JSON.stringify(result.delivered)}`);
  log(`hub drop counters: ${JSON.stringify(result.drops)}`);
  log(`steady-state overhead: ${result.steadyOverhead} bytes per datagram (9 header + 16 tag + 1 frame type)`);
  await hub.close();
  await dev.close();
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runDemo();
