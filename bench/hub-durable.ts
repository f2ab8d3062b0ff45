/**
 * `npm run bench:durable`: QoS 1 publish -> hub -> QoS 1 subscriber throughput over UDP loopback
 * (hub and both devices in this process, the hub's state directory on the local disk), with the
 * hub acknowledging only what is durable (its journal, one fdatasync per burst, [SW-18.3-3]
 * [SW-18.3-4]) and without persistence (acknowledged on taking, lost on a crash), beside mosquitto
 * with `persistence true` (which writes its state every autosave_interval, 30 min by default, not
 * per message: its PUBACK promises nothing about a kill -9) and without.
 * Same shape as the MQTT load generator: a window of publications awaiting their acknowledgement.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, deriveDeviceKey, Hub, PairKeyring, SiteKeyring, startNode } from '../src/internals.js';
import { defaultCryptoSuite } from '../src/node/crypto.js';
import { findMosquitto, startMosquitto, TUNED } from './peers/mosquitto.js';
import { qos1Throughput } from './peers/mqtt-load.js';

const MESSAGES = Number(process.env['MESSAGES'] ?? 50_000);
const WINDOW = 500;
const PAYLOAD = new Uint8Array(100).fill(0x61);
const suite = defaultCryptoSuite();
const SITE = new Uint8Array(32).fill(0x42);

async function saltwire(durable: boolean): Promise<{ msgsPerSec: number; commits: number; lost: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-bench-durable-'));
  const big = { reliability: { send: { outboxMessages: 8192, outboxBytes: 1 << 24 } } };
  try {
    const hubNode = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, SITE), listen: { host: '127.0.0.1' }, stateDir: join(dir, 'hub'), provisioning: true, suite, ...big });
    const hub = await Hub.start(hubNode, { persist: durable });
    const dev = async (id: string) => {
      const node = await startNode({ id, keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, SITE, id, 0)), listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true, suite, peers: [{ id: 'hub', address: hubNode.local }], ...big });
      return { node, client: await Client.start(node, { hub: 'hub' }) };
    };
    const sub = await dev('sub');
    const pub = await dev('pub');
    let got = 0;
    let done: () => void = () => undefined;
    const all = new Promise<void>((r) => (done = r));
    await sub.client.subscribe('b/#', { qos: 1 }, () => void (++got === MESSAGES && done())).granted;
    await pub.client.publish('b/warm', PAYLOAD, { qos: 1 });
    got = 0;
    const t0 = performance.now();
    let inflight = 0;
    let wake: () => void = () => undefined;
    for (let i = 0; i < MESSAGES; i++) {
      while (inflight >= WINDOW) await new Promise<void>((r) => (wake = r));
      inflight++;
      void pub.client.publish(`b/${i % 10}`, PAYLOAD, { qos: 1 }).then(undefined, () => undefined).then(() => (inflight--, wake()));
    }
    await Promise.race([all, new Promise((r) => setTimeout(r, 60_000))]);
    const ms = performance.now() - t0;
    const commits = hub.pubsub.ledger?.commits.stats.commits ?? 0;
    const lost = MESSAGES - got;
    for (const d of [pub, sub]) (await d.client.close(), await d.node.close());
    await hub.close();
    await hubNode.close();
    return { msgsPerSec: (got / ms) * 1000, commits, lost };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function mosquitto(persistence: boolean): Promise<number | undefined> {
  if (findMosquitto() === undefined) return undefined;
  const b = await startMosquitto({ ...TUNED, persistence });
  try {
    const r = await qos1Throughput(b, { messages: MESSAGES, inflight: WINDOW, noDelay: true, timeLimitMs: 60_000 });
    return r.msgsPerSec;
  } finally {
    await b.stop();
  }
}

const rows: Array<[string, string, string]> = [];
for (const durable of [false, true]) {
  const r = await saltwire(durable);
  rows.push([`Saltwire hub, ${durable ? 'durable acknowledgement (journal, fdatasync per burst)' : 'no persistence (acknowledged on taking)'}`, r.msgsPerSec.toFixed(0), durable ? `${r.commits} fsyncs (${(MESSAGES / Math.max(1, r.commits)).toFixed(1)} publications each), lost ${r.lost}` : `lost ${r.lost}`]);
}
for (const persistence of [false, true]) {
  const v = await mosquitto(persistence);
  rows.push([`mosquitto tuned, persistence ${persistence}${persistence ? ' (autosave every 30 min: no fsync per PUBACK)' : ''}`, v === undefined ? 'n/a' : v.toFixed(0), '']);
}
console.log(`QoS 1, ${MESSAGES} publications of ${PAYLOAD.length} bytes, ${WINDOW} awaiting acknowledgement, one publisher -> hub -> one subscriber, loopback`);
for (const [name, rate, note] of rows) console.log(`${name.padEnd(90)} ${rate.padStart(8)} msgs/s  ${note}`);
