/**
 * The subscriber of bench/scale.ts: one client subscribed to every device's topic (d/#, QoS 1 so
 * QoS 1 publications stay QoS 1), recording each delivery's send time and latency; it also answers
 * the mix's RPC: Saltwire serves `echo` (devices call 'sink' through the hub), MQTT answers q/<id>
 * on r/<id>. For udp-relay (the raw floor) it is a plain UDP socket that says a 1-byte hello to the
 * relay, waits for it back (bounded, 5 s), then takes every datagram as a payload.
 */
import { nowNs, payloadTime } from './protocol.js';
import type { Server, SystemName } from './servers.js';

export interface Sink {
  /** Distinct publications sent in [from, to] (ns) that arrived, and their latencies sorted, µs. */
  inWindow(from: number, to: number): { count: number; latUs: Float64Array };
  close(): Promise<void>;
}

class Deliveries {
  private sentAt: number[] = [];
  private latNs: number[] = [];
  private keys: number[] = [];

  add(p: Uint8Array): void {
    const t = payloadTime(p);
    const v = new DataView(p.buffer, p.byteOffset, p.byteLength);
    this.sentAt.push(t);
    this.latNs.push(nowNs() - t);
    this.keys.push(v.getUint32(8, true) * 2 ** 20 + v.getUint32(12, true)); // device, seq: duplicates (QoS 1) count once
  }

  inWindow(from: number, to: number): { count: number; latUs: Float64Array } {
    const seen = new Set<number>();
    const lat: number[] = [];
    for (let k = 0; k < this.sentAt.length; k++) {
      const t = this.sentAt[k]!;
      if (t < from || t > to || seen.has(this.keys[k]!)) continue;
      seen.add(this.keys[k]!);
      lat.push(this.latNs[k]! / 1000);
    }
    return { count: seen.size, latUs: Float64Array.from(lat).sort() };
  }
}

export async function startSink(system: SystemName, server: Server, siteHex: string): Promise<Sink> {
  const d = new Deliveries();
  if (system === 'saltwire') {
    const { deriveDeviceKey, fromHex, PairKeyring } = await import('../../src/core.js');
    const { Client } = await import('../../src/messaging/client.js');
    const { defaultCryptoSuite } = await import('../../src/node/crypto.js');
    const { SaltwireNode } = await import('../../src/peer/node.js');
    const { MemoryStateStore } = await import('../../src/peer/state-store.js');
    const { UdpTransport } = await import('../../src/transport/udp.js');
    const suite = defaultCryptoSuite();
    const node = await SaltwireNode.start({
      id: 'sink',
      keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, fromHex(siteHex), 'sink', 0)),
      suite,
      transport: await UdpTransport.bind({ host: '127.0.0.1' }),
      state: new MemoryStateStore(),
      provisioning: true,
      peers: [{ id: 'hub', address: { host: '127.0.0.1', port: server.port } }],
    });
    const client = await Client.start(node, { hub: 'hub' });
    await client.ready({ timeoutMs: 10_000 });
    client.serve('echo', (params) => params);
    await client.subscribe('d/#', { qos: 1 }, (p) => d.add(p.payload)).granted;
    return { inWindow: (a, b) => d.inWindow(a, b), close: () => client.close().then(() => node.close()) };
  }
  if (system === 'udp-relay') return udpSink(server.port, d);
  const mqtt = await import('mqtt');
  const c = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: server.port,
    protocol: server.ca === undefined ? 'mqtt' : 'mqtts',
    ...(server.ca !== undefined && { ca: server.ca, servername: '127.0.0.1' }),
    clientId: 'sink',
    reconnectPeriod: 0,
  });
  c.on('message', (topic, payload) => {
    if (topic.startsWith('q/')) c.publish(`r/${topic.slice(2)}`, payload, { qos: 0 });
    else d.add(payload);
  });
  await c.subscribeAsync({ 'd/#': { qos: 1 }, 'q/+': { qos: 0 } });
  return { inWindow: (a, b) => d.inWindow(a, b), close: () => c.endAsync(true) };
}

async function udpSink(port: number, d: Deliveries): Promise<Sink> {
  const { createSocket } = await import('node:dgram');
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error('udp-relay: no answer to the sink hello in 5 s')), 5000);
    s.once('message', () => {
      clearTimeout(t);
      s.on('message', (m) => d.add(m));
      res();
    });
    s.send(Buffer.from([0]), port, '127.0.0.1');
  });
  return { inWindow: (a, b) => d.inWindow(a, b), close: () => new Promise<void>((r) => s.close(() => r())) };
}
