/**
 * Bounded MQTT load generators on MQTT.js clients (MQTT 3.1.1, clean sessions, no reconnect), all
 * clients in this process, the broker wherever `addr` points:
 *
 * - qos0Throughput: publisher -> broker -> subscriber, QoS 0, N payloads of 100 B. The publisher is
 *   paced only by TCP back-pressure (it waits for 'drain' when the socket buffer is full). Rate =
 *   messages received / (last arrival - first publish), measured at the subscriber.
 * - qos1Throughput: the same at QoS 1 both ways (publish QoS 1, subscription QoS 1), the publisher
 *   keeping at most `inflight` publishes without PUBACK. Rate measured at the subscriber.
 * - requestResponse: client A publishes a request, client B answers on a reply topic, A times the
 *   round trip (one outstanding at a time; 4 TCP hops through the broker).
 *
 * Every run stops at its count or its time limit, whichever first, and ends its clients on every
 * path (including errors). `noDelay` sets TCP_NODELAY on the clients' sockets (MQTT.js never does).
 */
import { MqttClient, type IClientOptions } from 'mqtt';
import { createConnection } from 'node:net';
import { runId, summarizeNs, withTimeout, type LatencyResult, type ThroughputResult } from './util.js';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ClientOptions {
  /** TCP_NODELAY on the client sockets (default false, as MQTT.js does) */
  noDelay?: boolean;
}

export interface ThroughputOptions extends ClientOptions {
  /** messages to publish (default 200 000 for QoS 0, 100 000 for QoS 1) */
  messages?: number;
  /** payload size in bytes (default 100) */
  payloadBytes?: number;
  /** stop after this long even if not everything arrived (default 8000 ms) */
  timeLimitMs?: number;
  /** QoS 1 only: publishes awaiting PUBACK at most (default 500) */
  inflight?: number;
}

export interface RequestResponseOptions extends ClientOptions {
  /** measured round trips (default 2000) */
  roundTrips?: number;
  /** unmeasured round trips first (default 200) */
  warmup?: number;
  payloadBytes?: number;
  /** QoS of request and reply, publish and subscription (default 0) */
  qos?: 0 | 1;
  /** stop after this long, reporting what was measured (default 8000 ms) */
  timeLimitMs?: number;
  /** one round trip longer than this fails the run (default 2000 ms) */
  perRequestTimeoutMs?: number;
}

/** Connects an MQTT.js client over a socket we build (so TCP_NODELAY is set before CONNECT is sent). */
export async function connectClient(addr: BrokerAddress, name: string, o: ClientOptions = {}): Promise<MqttClient> {
  const options: IClientOptions = {
    clientId: `${name}-${runId()}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    keepalive: 30,
  };
  const client = new MqttClient(() => {
    const s = createConnection({ host: addr.host, port: addr.port });
    s.setNoDelay(o.noDelay ?? false);
    return s;
  }, options);
  try {
    await withTimeout(
      new Promise<void>((res, rej) => {
        client.once('connect', () => res());
        client.once('error', rej);
        client.once('close', () => rej(new Error(`${name}: connection to ${addr.host}:${addr.port} closed before CONNACK`)));
      }),
      6000,
      `${name} connect`,
    );
  } catch (e) {
    await endClient(client);
    throw e;
  }
  client.on('error', () => {}); // reported through the run's own checks; never an unhandled 'error'
  return client;
}

/** Ends a client at once (no DISCONNECT handshake wait), bounded. */
export async function endClient(c: MqttClient | undefined): Promise<void> {
  if (!c) return;
  await withTimeout(c.endAsync(true), 2000, 'mqtt end').catch(() => c.stream?.destroy());
}

async function subscribe(c: MqttClient, topic: string, qos: 0 | 1): Promise<void> {
  const granted = await withTimeout(c.subscribeAsync(topic, { qos }), 5000, `subscribe ${topic}`);
  const g = granted[0];
  if (!g || g.qos !== qos) throw new Error(`subscribe ${topic}: granted ${JSON.stringify(granted)}`);
}

async function throughput(addr: BrokerAddress, qos: 0 | 1, o: ThroughputOptions): Promise<ThroughputResult> {
  const n = o.messages ?? (qos === 0 ? 200_000 : 100_000);
  const payload = Buffer.alloc(o.payloadBytes ?? 100, 0x61);
  const timeLimitMs = o.timeLimitMs ?? 8000;
  // QoS 0: the publish callback fires once the packet is written (after 'drain' if the socket was
  // full), so a window of 1 is exactly TCP back-pressure. QoS 1: the callback fires on PUBACK.
  const window = qos === 0 ? 1 : (o.inflight ?? 500);
  const topic = `bench/${runId()}/tp`;
  let sub: MqttClient | undefined;
  let pub: MqttClient | undefined;
  try {
    sub = await connectClient(addr, 'tp-sub', o);
    pub = await connectClient(addr, 'tp-pub', o);
    await subscribe(sub, topic, qos);

    let received = 0;
    let sent = 0;
    let inflight = 0;
    let lastArrival = 0;
    let failure: Error | undefined;
    let finish!: () => void;
    const finished = new Promise<void>((r) => (finish = r));
    sub.on('message', () => {
      received++;
      lastArrival = performance.now();
      if (received >= n) finish();
    });
    const onClose = () => {
      failure ??= new Error('a client connection closed during the run');
      finish();
    };
    sub.once('close', onClose);
    pub.once('close', onClose);

    let pumping = false;
    let scheduled = false;
    let done = false;
    const p = pub;
    const onPublished = (err?: Error) => {
      inflight--;
      if (err) {
        failure ??= err;
        finish();
        return;
      }
      pump();
    };
    const pump = (): void => {
      if (pumping || done) return;
      pumping = true;
      let burst = 0;
      while (sent < n && inflight < window && !done) {
        // yield now and then so the subscriber (same process) reads while we publish
        if (++burst > 256) {
          if (!scheduled) {
            scheduled = true;
            setImmediate(() => {
              scheduled = false;
              pump();
            });
          }
          break;
        }
        inflight++;
        sent++;
        p.publish(topic, payload, { qos }, onPublished);
      }
      pumping = false;
    };

    const t0 = performance.now();
    // After everything is sent, a loss (QoS 0, or a broker dropping QoS 1 from a full queue after its
    // PUBACK) would leave us waiting: stop when nothing has arrived for 1 s.
    const idle = setInterval(() => {
      if (sent >= n && performance.now() - Math.max(lastArrival, t0) > 1000) finish();
    }, 100);
    let timedOut = false;
    const limit = setTimeout(() => {
      timedOut = true;
      finish();
    }, timeLimitMs);
    pump();
    await finished;
    done = true;
    clearInterval(idle);
    clearTimeout(limit);
    if (failure) throw failure;
    const elapsedMs = (received > 0 ? lastArrival : performance.now()) - t0;
    return {
      sent,
      received,
      elapsedMs,
      msgsPerSec: received > 0 ? (received * 1000) / elapsedMs : 0,
      lost: sent - received,
      timedOut,
    };
  } finally {
    await Promise.all([endClient(pub), endClient(sub)]);
  }
}

/** QoS 0 publish -> subscribe throughput, msgs/s at the subscriber. */
export function qos0Throughput(addr: BrokerAddress, o: ThroughputOptions = {}): Promise<ThroughputResult> {
  return throughput(addr, 0, o);
}

/** QoS 1 publish (windowed on PUBACK) -> QoS 1 subscription, msgs/s delivered at the subscriber. */
export function qos1Throughput(addr: BrokerAddress, o: ThroughputOptions = {}): Promise<ThroughputResult> {
  return throughput(addr, 1, o);
}

/** Request/response round trips through the broker: A -> req topic -> B -> reply topic -> A. */
export async function requestResponse(addr: BrokerAddress, o: RequestResponseOptions = {}): Promise<LatencyResult> {
  const qos = o.qos ?? 0;
  const rounds = o.roundTrips ?? 2000;
  const warmup = o.warmup ?? 200;
  const timeLimitMs = o.timeLimitMs ?? 8000;
  const perReq = o.perRequestTimeoutMs ?? 2000;
  const id = runId();
  const reqTopic = `bench/${id}/req`;
  const repTopic = `bench/${id}/rep`;
  let a: MqttClient | undefined;
  let b: MqttClient | undefined;
  try {
    a = await connectClient(addr, 'rr-a', o);
    b = await connectClient(addr, 'rr-b', o);
    const responder = b;
    await subscribe(responder, reqTopic, qos);
    await subscribe(a, repTopic, qos);
    responder.on('message', (_t, msg) => responder.publish(repTopic, msg, { qos }));

    let waiting: ((seq: number) => void) | undefined;
    a.on('message', (_t, msg) => waiting?.(msg.readUInt32BE(0)));
    let closed = false;
    const onClose = () => (closed = true);
    a.once('close', onClose);
    b.once('close', onClose);

    const payload = Buffer.alloc(Math.max(4, o.payloadBytes ?? 100), 0x62);
    const samples: number[] = [];
    const deadline = performance.now() + timeLimitMs;
    let timedOut = false;
    for (let seq = 0; seq < warmup + rounds; seq++) {
      if (performance.now() > deadline) {
        timedOut = true;
        break;
      }
      if (closed) throw new Error('a client connection closed during the run');
      payload.writeUInt32BE(seq, 0);
      const got = new Promise<void>((res) => {
        waiting = (s) => {
          if (s === seq) res();
        };
      });
      const t = process.hrtime.bigint();
      a.publish(reqTopic, payload, { qos });
      await withTimeout(got, perReq, `round trip ${seq}`);
      const dt = Number(process.hrtime.bigint() - t);
      if (seq >= warmup) samples.push(dt);
    }
    waiting = undefined;
    return summarizeNs(samples, timedOut);
  } finally {
    await Promise.all([endClient(a), endClient(b)]);
  }
}
