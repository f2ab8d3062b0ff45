/**
 * NATS for bench/pubsub-procs.ts (issue 17): the server a session starts and the client its
 * publisher and subscriber processes use, over bench/peers/nats-mini.ts (the `nats` package is not
 * installed). Topics `bench/a/b` become subjects `bench.a.b`.
 *
 * - 'nats': nats-server with its defaults; QoS 0 is core NATS publish/subscribe (PUB, SUB): no
 *   acknowledgement, and the server drops a subscriber that falls too far behind (a slow consumer:
 *   its connection is closed, and what was pending for it is lost). Core NATS has no QoS 1: asked
 *   for one, the client rejects.
 * - 'nats-js': nats-server -js with its defaults, storing in the session's temp directory. QoS 0 is
 *   core NATS again. QoS 1 is JetStream, the at-least-once equivalent, through its JSON API over the
 *   text protocol: one stream BENCH on `bench.>` with the API's defaults (file storage, limits
 *   retention), created by each client at connect ($JS.API.STREAM.CREATE.BENCH is idempotent for
 *   the same config). A QoS 1 publish is a request to the subject and settles on the stream's PubAck
 *   (an error reply rejects it); a QoS 1 subscription is an ephemeral push consumer on the topic's
 *   subject with explicit acks and the API's defaults (deliver all, ack wait 30 s, max ack pending
 *   1,000), each message acknowledged by an empty PUB to its reply subject once handed on.
 */
import { join } from 'node:path';
import { NatsMini, startNatsServer, type NatsMsg } from './peers/nats-mini.js';
import type { AnyClient, ClientArgs } from './pubsub-clients.js';

const STREAM = 'BENCH';
const EMPTY = new Uint8Array(0);
const subject = (topic: string): string => topic.replaceAll('/', '.');

/** nats-server for `system`, JetStream storing under `dir` for 'nats-js'. */
export async function startNatsFor(system: 'nats' | 'nats-js', dir: string): Promise<{ pid: number; port: number; stop(): Promise<void> }> {
  return startNatsServer(system === 'nats-js' ? { jetStreamDir: join(dir, 'jetstream') } : {});
}

/** A JetStream API request: the parsed JSON reply, or a rejection carrying its error. */
async function api(nc: NatsMini, what: string, body: unknown): Promise<Record<string, unknown>> {
  const m = await nc.request(`$JS.API.${what}`, Buffer.from(JSON.stringify(body)));
  const r = JSON.parse(m.data.toString()) as Record<string, unknown>;
  if (r['error'] !== undefined) throw new Error(`nats: $JS.API.${what}: ${JSON.stringify(r['error'])}`);
  return r;
}

export async function connectNats(a: ClientArgs): Promise<AnyClient> {
  const nc = await NatsMini.connect(a.port, '127.0.0.1', `${a.id}-${process.pid}`);
  const js = a.system === 'nats-js';
  let closing = false;
  // the bench must show a dropped subscriber, not wait on it silently
  void nc.closed.then((e) => {
    if (!closing) console.error(`${a.id} (${a.system}): the server closed the connection${e ? `: ${e.message}` : ''} (a slow consumer?)`);
  });
  if (js) await api(nc, `STREAM.CREATE.${STREAM}`, { name: STREAM, subjects: ['bench.>'] });
  const subs = new Map<string, { sid: number; consumer?: string }>();
  let deliveries = 0;
  return {
    async subscribe(topic, qos, on) {
      if (qos === 1 && !js) throw new Error('core NATS has no QoS 1 (JetStream: SYSTEMS=nats-js)');
      if (qos === 0) {
        subs.set(topic, { sid: nc.subscribe(subject(topic), (m) => on(m.data)) });
        await nc.flush();
        return;
      }
      // the delivery subscription first: the consumer starts pushing as soon as it exists
      const deliver = `_DELIVER.${process.pid}.${++deliveries}`;
      const sid = nc.subscribe(deliver, (m: NatsMsg) => {
        on(m.data);
        if (m.reply !== undefined) nc.publish(m.reply, EMPTY);
      });
      await nc.flush();
      const r = await api(nc, `CONSUMER.CREATE.${STREAM}`, { stream_name: STREAM, config: { deliver_subject: deliver, ack_policy: 'explicit', filter_subject: subject(topic) } });
      subs.set(topic, { sid, consumer: r['name'] as string });
    },
    async unsubscribe(topic) {
      const s = subs.get(topic);
      subs.delete(topic);
      if (s === undefined) return;
      nc.unsubscribe(s.sid);
      if (s.consumer !== undefined) await api(nc, `CONSUMER.DELETE.${STREAM}.${s.consumer}`, {});
      await nc.flush();
    },
    async publish(topic, payload, qos) {
      if (qos === 0) {
        nc.publish(subject(topic), payload);
        await nc.drained(); // at once unless the socket's buffer is full: TCP back-pressure, as MQTT.js
        return;
      }
      if (!js) throw new Error('core NATS has no QoS 1 (JetStream: SYSTEMS=nats-js)');
      const ack = await nc.request(subject(topic), payload); // the PubAck: {"stream":"BENCH","seq":N}
      if (ack.data.includes('"error"')) throw new Error(`nats: PubAck: ${ack.data.toString()}`);
    },
    async close() {
      closing = true;
      nc.close();
    },
  };
}
