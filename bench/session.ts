/**
 * Session mode (spec 13) over real UDP on loopback: time from a device's start until it can send
 * under a session (the response arrived: one round trip), and until the hub holds the confirmed
 * session (the device's first datagram arrived: one and a half), against the default mode's first
 * contact. Also the bytes of one complete handshake on the wire. Bounded: R devices per mode and
 * suite, each started, measured and closed in turn. Run: npx tsx bench/session.ts [R]
 */
import { deriveDeviceKey, PairKeyring, SiteKeyring, tweetnaclSuite, type CryptoSuite } from '../src/core.js';
import { loadSodiumSuite } from '../src/node/crypto.js';
import { SaltwireNode, UdpTransport } from '../src/internals.js';
import { MemoryStateStore } from '../src/peer/state-store.js';

const R = Number(process.argv[2] ?? 200);
const site = new Uint8Array(32).fill(9);

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const once = <T>(node: SaltwireNode, name: 'reachable', peer: string): Promise<T> =>
  new Promise((resolve) => {
    const off = node.on(name, (e) => {
      if (e.peer === peer) {
        off();
        resolve(performance.now() as T);
      }
    });
  });

async function run(suite: CryptoSuite, mode: 'session' | 'psk') {
  const session = mode === 'session' ? { peers: 'all' as const } : undefined;
  const hubTransport = await UdpTransport.bind({ host: '127.0.0.1' });
  const hub = await SaltwireNode.start({
    id: 'hub',
    keyring: new SiteKeyring(suite, site),
    suite,
    transport: hubTransport,
    state: new MemoryStateStore(),
    provisioning: true,
    rememberPeers: false,
    session,
  });
  const hubAddr = { host: '127.0.0.1', port: hubTransport.local.port };
  const device: number[] = [];
  const both: number[] = [];
  let bytes = 0;
  for (let i = 0; i < R; i++) {
    const id = `dev-${String(i).padStart(4, '0')}`; // 8 characters
    const hubReady = once<number>(hub, 'reachable', id);
    const t0 = performance.now();
    const dev = await SaltwireNode.start({
      id,
      keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, site, id, 0)),
      suite,
      transport: await UdpTransport.bind({ host: '127.0.0.1' }),
      state: new MemoryStateStore(),
      provisioning: true,
      peers: [{ id: 'hub', address: hubAddr }],
      session,
    });
    const devReady = await once<number>(dev, 'reachable', 'hub');
    const hubAt = await hubReady;
    device.push(devReady - t0);
    both.push(Math.max(devReady, hubAt) - t0);
    if (i === 0) bytes = dev.stats.sent.bytes + hub.stats.sent.bytes;
    await dev.close();
  }
  await hub.close();
  const ms = (x: number) => x.toFixed(2);
  return {
    suite: suite.name,
    mode,
    'device ready p50 ms': ms(quantile(device, 0.5)),
    'device ready p95 ms': ms(quantile(device, 0.95)),
    'both ready p50 ms': ms(quantile(both, 0.5)),
    'both ready p95 ms': ms(quantile(both, 0.95)),
    'bytes (first device)': bytes,
  };
}

const suites = [tweetnaclSuite, loadSodiumSuite()].filter((s): s is CryptoSuite => s !== undefined);
const rows = [];
for (const suite of suites) for (const mode of ['session', 'psk'] as const) rows.push(await run(suite, mode));
console.table(rows);
console.log(`${R} devices per row; loopback UDP; time from SaltwireNode.start() of the device.`);
console.log('session: device ready = response received (1 RTT); both ready = hub confirmed the session (1.5 RTT).');
console.log('psk: device ready = first fresh answer (PING + CHALLENGE, then INDEX + ECHO + CHALLENGE).');
