/**
 * The clients of bench/pubsub-procs.ts's publisher and subscriber processes, one shape for both
 * protocols: a Saltwire startClient() device with every default, or an MQTT.js 3.1.1 client (clean
 * session, no reconnect; TLS with the broker's CA when `ca` is given), or a NATS one
 * (bench/pubsub-nats.ts: core NATS, and JetStream for QoS 1).
 */
import { join } from 'node:path';
import mqtt from 'mqtt';
import { defaultCryptoSuite, deriveDeviceKey, startClient, type Client } from '../src/index.js';
import { connectNats } from './pubsub-nats.js';

/** The site every Saltwire bench device's key derives from (the hub gets it as SALTWIRE_SITE_KEY). */
export const SITE = new Uint8Array(32).fill(23);

export interface ClientArgs {
  /** 'saltwire', 'nats', 'nats-js', or an MQTT broker's name ('mosquitto-tls': over TLS) */
  system: string;
  port: number;
  /** Saltwire: the state directory's parent */
  dir: string;
  id: string;
  /** PEM of the CA to trust (TLS) */
  ca?: string;
}

/** A client of either protocol, as the two roles need it. */
export interface AnyClient {
  subscribe(topic: string, qos: 0 | 1, on: (payload: Uint8Array) => void): Promise<void>;
  unsubscribe(topic: string): Promise<void>;
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void>;
  close(): Promise<void>;
}

export async function connect(a: ClientArgs): Promise<AnyClient> {
  if (a.system === 'nats' || a.system === 'nats-js') return connectNats(a);
  if (a.system === 'saltwire') {
    const c: Client = await startClient({ hub: `127.0.0.1:${a.port}`, id: a.id, key: deriveDeviceKey(defaultCryptoSuite(), SITE, a.id, 0), stateDir: join(a.dir, a.id) });
    const subs = new Map<string, { unsubscribe(): Promise<void> }>();
    return {
      async subscribe(topic, qos, on) {
        const s = c.subscribe(topic, { qos }, (p) => on(p.payload));
        subs.set(topic, s);
        await s.granted;
      },
      async unsubscribe(topic) {
        await subs.get(topic)?.unsubscribe();
        subs.delete(topic);
      },
      publish: (topic, payload, qos) => c.publish(topic, payload, { qos }),
      close: () => c.close(),
    };
  }
  const tls = a.system === 'mosquitto-tls';
  const m = await mqtt.connectAsync(`${tls ? 'mqtts' : 'mqtt'}://127.0.0.1:${a.port}`, { protocolVersion: 4, clean: true, reconnectPeriod: 0, clientId: `${a.id}-${process.pid}`, ...(a.ca !== undefined && { ca: a.ca }) });
  const handlers = new Map<string, (payload: Uint8Array) => void>();
  m.on('message', (topic, payload) => handlers.get(topic)?.(payload));
  return {
    async subscribe(topic, qos, on) {
      handlers.set(topic, on);
      await m.subscribeAsync(topic, { qos });
    },
    async unsubscribe(topic) {
      handlers.delete(topic);
      await m.unsubscribeAsync(topic);
    },
    publish: (topic, payload, qos) => new Promise((res, rej) => void m.publish(topic, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), { qos }, (e) => (e ? rej(e) : res()))),
    close: () => m.endAsync(),
  };
}
