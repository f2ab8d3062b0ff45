/**
 * A device worker of bench/scale.ts: holds devices [from, to) of one run, each with its own id, key
 * (derived from the site key, as `saltwire derive` does), UDP socket or TCP connection, and
 * behaviour, and drives them on one schedule (a heap of due times, one 10 ms tick for all).
 *
 * - Saltwire: a SaltwireNode (device defaults, in-memory state, one shared RealScheduler) and its
 *   Client, the SDK's device path, each on its own loopback address 127.1.x.y (--same-address: all
 *   on 127.0.0.1, as devices behind one NAT); QoS 0 `publish`, QoS 1, or `call('sink', 'echo')` through the hub.
 * - MQTT: one MQTT.js connection per device (3.1.1, plain or TLS); RPC is a request on q/<id>
 *   answered by the subscriber process on r/<id>, as MQTT request/response is done.
 *
 * Forked by bench/scale.ts with the WorkerConfig as JSON argument; talks over IPC (protocol.ts).
 * Exits on `close`, when the parent goes away, or after 10 minutes whatever happens.
 */
import { behaviourOf, makePayload, nowNs, payloadTime, type Behaviour, type FromWorker, type ToWorker, type WorkerConfig } from './protocol.js';

const cfg = JSON.parse(process.argv[2]!) as WorkerConfig;
setTimeout(() => process.exit(3), 600_000).unref();
process.once('disconnect', () => process.exit(0));
const send = (m: FromWorker): void => void process.send!(m);

interface Device {
  readonly i: number;
  readonly kind: Behaviour;
  readonly period: number;
  next: number;
  seq: number;
  act(payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

const topic = (i: number): string => `d/d${i}`;
let errors = 0;
let firstError: string | undefined;
const fail = (e: unknown): void => {
  errors++;
  firstError ??= String(e);
};
const rpcStarts: number[] = []; // send time of each call measured, ns
const rpcUs: number[] = [];
let rpcFailed = 0;

function record(t0: number): void {
  rpcStarts.push(t0);
  rpcUs.push((nowNs() - t0) / 1000);
}

async function saltwireDevices(): Promise<(i: number) => Promise<Device>> {
  const { deriveDeviceKey, fromHex, PairKeyring, RealScheduler } = await import('../../src/core.js');
  const { Client } = await import('../../src/messaging/client.js');
  const { defaultCryptoSuite } = await import('../../src/node/crypto.js');
  const { SaltwireNode } = await import('../../src/peer/node.js');
  const { MemoryStateStore } = await import('../../src/peer/state-store.js');
  const { UdpTransport } = await import('../../src/transport/udp.js');
  const suite = defaultCryptoSuite();
  const site = fromHex(cfg.siteHex);
  const scheduler = new RealScheduler();
  return async (i) => {
    const id = `d${i}`;
    const kind = behaviourOf(i, cfg.mix);
    const node = await SaltwireNode.start({
      id,
      keyring: new PairKeyring().add('hub', 0, deriveDeviceKey(suite, site, id, 0)),
      suite,
      // its own address, as devices have: all of 127/8 is loopback on Linux. From one address, the
      // hub's per-source admission limit (SOURCE_RATE, 20 a second, spec 20.2) paces first contacts.
      transport: await UdpTransport.bind({ host: cfg.ownAddresses ? `127.1.${(i >> 8) & 255}.${i & 255}` : '127.0.0.1' }),
      state: new MemoryStateStore(),
      provisioning: true,
      scheduler,
      peers: [{ id: 'hub', address: { host: '127.0.0.1', port: cfg.port } }],
      ...(kind === 'sleepy' && { liveness: { keepaliveMs: 0 } }),
    });
    const client = await Client.start(node, { hub: 'hub' });
    try {
      await client.ready({ timeoutMs: cfg.connectTimeoutMs });
    } catch (e) {
      await client.close().then(() => node.close());
      throw e;
    }
    const t = topic(i);
    return {
      i,
      kind,
      period: kind === 'sleepy' ? cfg.sleepyPeriodMs : cfg.periodMs,
      next: 0,
      seq: 0,
      act: (p) => {
        if (kind === 'rpc') {
          const t0 = payloadTime(p);
          return client.call('sink', 'echo', p, { timeoutMs: 5000 }).then(() => record(t0), () => void rpcFailed++);
        }
        return client.publish(t, p, { qos: kind === 'qos1' ? 1 : 0 });
      },
      close: () => client.close().then(() => node.close()),
    };
  };
}

async function mqttDevices(): Promise<(i: number) => Promise<Device>> {
  const mqtt = await import('mqtt');
  const pending = new Map<number, number>(); // device -> send time of its call in flight
  return async (i) => {
    const id = `d${i}`;
    const kind = behaviourOf(i, cfg.mix);
    const c = mqtt.connect({
      host: '127.0.0.1',
      port: cfg.port,
      protocol: cfg.ca === undefined ? 'mqtt' : 'mqtts',
      ...(cfg.ca !== undefined && { ca: cfg.ca, servername: '127.0.0.1' }),
      clientId: id,
      reconnectPeriod: 0,
      connectTimeout: cfg.connectTimeoutMs,
      keepalive: kind === 'sleepy' ? 0 : 60, // MQTT.js default 60 s
    });
    await new Promise<void>((res, rej) => {
      c.once('connect', () => res());
      c.once('error', rej);
      c.once('close', () => rej(new Error('closed before CONNACK')));
    });
    c.on('error', fail);
    if (kind === 'rpc') {
      c.on('message', () => {
        const t0 = pending.get(i);
        if (t0 === undefined) return;
        pending.delete(i);
        record(t0);
      });
      await c.subscribeAsync(`r/${id}`, { qos: 0 });
    }
    const t = topic(i);
    return {
      i,
      kind,
      period: kind === 'sleepy' ? cfg.sleepyPeriodMs : cfg.periodMs,
      next: 0,
      seq: 0,
      act: async (p) => {
        if (kind === 'rpc') {
          if (pending.has(i)) rpcFailed++; // the last call never came back
          pending.set(i, payloadTime(p));
          c.publish(`q/${id}`, Buffer.from(p), { qos: 0 });
          return;
        }
        if (kind === 'qos1') await c.publishAsync(t, Buffer.from(p), { qos: 1 });
        else c.publish(t, Buffer.from(p), { qos: 0 });
      },
      close: () => c.endAsync(true),
    };
  };
}

/**
 * The raw floor's devices: a UDP socket on its own loopback address that sends `keepaliveBytes` of
 * 0x5a to the server every `keepaliveMs` from a random phase (udp-recv, udp-echo: bench/idle.ts;
 * that is all they do). udp-relay (bench/scale.ts) devices also send each publication's payload,
 * as it is, in one datagram to the server on the schedule, and keep their keepalive all along:
 * the publication pattern with nothing of a protocol around it.
 */
async function udpDevices(): Promise<(i: number) => Promise<Device>> {
  const { createSocket } = await import('node:dgram');
  const every = cfg.keepaliveMs ?? 25_000;
  const bytes = Buffer.alloc(cfg.keepaliveBytes ?? 40, 0x5a);
  const relay = cfg.system === 'udp-relay';
  return async (i) => {
    const s = createSocket('udp4');
    s.on('error', fail);
    s.on('message', () => undefined);
    await new Promise<void>((r) => s.bind(0, cfg.ownAddresses ? `127.1.${(i >> 8) & 255}.${i & 255}` : '127.0.0.1', r));
    const ping = (): void => s.send(bytes, cfg.port, '127.0.0.1');
    let interval: NodeJS.Timeout | undefined;
    const phase = setTimeout(() => {
      ping();
      interval = setInterval(ping, every);
    }, Math.random() * every);
    return {
      i,
      kind: 'plain',
      period: cfg.periodMs,
      next: 0,
      seq: 0,
      act: relay ? async (p) => s.send(p, cfg.port, '127.0.0.1') : async () => ping(),
      close: async () => {
        clearTimeout(phase);
        clearInterval(interval);
        s.close();
      },
    };
  };
}

// ---- connect every device, `connectBatch` at a time (a pool: one slow first contact holds up no other)
const t0 = performance.now();
const make = cfg.system === 'saltwire' ? await saltwireDevices() : cfg.system.startsWith('udp-') ? await udpDevices() : await mqttDevices();
const devices: Device[] = [];
let failed = 0;
let nextId = cfg.from;
async function connector(): Promise<void> {
  while (nextId < cfg.to) {
    const j = nextId++;
    try {
      devices.push(await make(j));
    } catch (e) {
      failed++;
      firstError ??= String(e);
    }
  }
}
await Promise.all(Array.from({ length: cfg.connectBatch }, connector));
devices.sort((a, b) => a.i - b.i);
send({ ev: 'ready', connected: devices.length, failed, ms: performance.now() - t0, ...(firstError !== undefined && { firstError }) });

// ---- the schedule: a min-heap of devices by due time, one tick for all
const heap: Device[] = [];
const lagsMs: number[] = [];
const sendTimes: number[] = []; // ns, one per publication (calls are in rpcStarts)
let tick: NodeJS.Timeout | undefined;

function push(d: Device): void {
  heap.push(d);
  let k = heap.length - 1;
  while (k > 0) {
    const p = (k - 1) >> 1;
    if (heap[p]!.next <= d.next) break;
    heap[k] = heap[p]!;
    k = p;
  }
  heap[k] = d;
}

function pop(): Device {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length > 0) {
    let k = 0;
    for (;;) {
      const l = 2 * k + 1;
      if (l >= heap.length) break;
      const m = l + 1 < heap.length && heap[l + 1]!.next < heap[l]!.next ? l + 1 : l;
      if (heap[m]!.next >= last.next) break;
      heap[k] = heap[m]!;
      k = m;
    }
    heap[k] = last;
  }
  return top;
}

function start(): void {
  const now = performance.now();
  // each device starts at a random phase of its period, so the load is even over time
  for (const d of devices) {
    d.next = now + Math.random() * d.period;
    push(d);
  }
  tick = setInterval(() => {
    const t = performance.now();
    while (heap.length > 0 && heap[0]!.next <= t) {
      const d = pop();
      lagsMs.push(t - d.next);
      const p = makePayload(cfg.payloadBytes, d.i, d.seq++);
      if (d.kind !== 'rpc') sendTimes.push(payloadTime(p)); // calls are counted by their round trips
      d.act(p).catch(fail);
      d.next += d.period;
      push(d);
    }
  }, 10);
}

function report(from: number, to: number): void {
  clearInterval(tick);
  const inWindow = sendTimes.filter((t) => t >= from && t <= to).length;
  const lags = lagsMs.sort((a, b) => a - b);
  const rpc = rpcUs.filter((_, k) => rpcStarts[k]! >= from && rpcStarts[k]! <= to);
  send({ ev: 'report', report: { sent: sendTimes.length, sentInWindow: inWindow, lagP99Ms: lags.length === 0 ? 0 : lags[Math.floor(lags.length * 0.99)]!, rpcUs: rpc, rpcFailed, errors } });
}

process.on('message', (m: ToWorker) => {
  if (m.cmd === 'start') start();
  else if (m.cmd === 'report') report(m.from, m.to);
  else if (m.cmd === 'close') {
    void (async () => {
      for (let i = 0; i < devices.length; i += 200) await Promise.allSettled(devices.slice(i, i + 200).map((d) => d.close()));
      send({ ev: 'closed' });
      process.exit(0);
    })();
  }
});
