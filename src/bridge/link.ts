/**
 * The bridge's connection to the broker: one MQTT.js client per attempt (MQTT.js's own reconnect is
 * off, so nothing is resent behind the bridge's back and no stale in-flight state survives a
 * reconnect: HiveMQ Edge's stall), attempts spaced by decorrelated jitter (backoff.ts), the bridge's
 * last will set on every attempt. `generation` tells callbacks of a dead client from live ones.
 * @module
 */
import { connect, type IClientOptions, type IPublishPacket, type MqttClient } from 'mqtt';
import { DecorrelatedJitter, type BackoffOptions } from './backoff.js';

/** @group Bridge */
export interface BrokerOptions {
  /** mqtt://HOST:PORT, mqtts://HOST:PORT (TLS), ws:// ... */
  readonly url: string;
  readonly clientId?: string;
  readonly username?: string;
  readonly password?: string;
  /** TLS: CA certificate(s), client certificate and key (PEM). */
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  readonly rejectUnauthorized?: boolean;
  /** 5 (default) or 4 (MQTT 3.1.1: no properties, so no expiry, user properties, RPC nor No Local). */
  readonly protocolVersion?: 4 | 5;
  /** Clean start (default true); false keeps the broker session (set sessionExpirySeconds with MQTT 5). */
  readonly clean?: boolean;
  readonly sessionExpirySeconds?: number;
  /** Keepalive, s (default 30). */
  readonly keepaliveSeconds?: number;
  /** How long one attempt may take to get its CONNACK, ms (default 5000). */
  readonly connectTimeoutMs?: number;
  readonly reconnect?: BackoffOptions;
}

export interface Will {
  readonly topic: string;
  readonly payload: string;
}

export interface LinkHandlers {
  /** A new client is connected (subscribe, then pump). */
  readonly up: (client: MqttClient, generation: number) => void;
  /** The connected client went away. */
  readonly down: () => void;
  /**
   * A publication from the broker. Returns undefined when it may be acknowledged at once, or a
   * promise: its PUBACK (QoS 1) or PUBCOMP (QoS 2) is sent once it resolves, never if it rejects
   * (the broker sends it again later). Acknowledgements keep the order of the publications
   * ([MQTT-4.6.0-2]), and the next publication is taken meanwhile.
   */
  readonly message: (packet: IPublishPacket) => Promise<void> | undefined;
  /**
   * Undefined when the next publication may be read at once, or a promise to wait for first: the
   * hub's QoS 0 copies wait for room, and reading on would only drop them (TCP then slows the broker).
   */
  readonly room?: () => Promise<void> | undefined;
  /** A connection error, its message described (describeLinkError) and the original as `cause`. */
  readonly error: (e: Error) => void;
}

/**
 * Why an attempt failed: what the operator has to fix differs for each.
 * @group Bridge
 */
export type LinkFailure = 'tls-untrusted' | 'tls-refused' | 'tls' | 'auth' | 'refused' | 'network' | 'other';

/** Node's codes for a broker certificate the configured CA (`caFile`) does not vouch for. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * The kind of a connection error and a message that says what to check: the raw TLS and CONNACK
 * errors name OpenSSL's and MQTT's terms, not the bridge's options.
 * @group Bridge
 */
export function describeLinkError(e: Error): { kind: LinkFailure; message: string } {
  const code = (e as { code?: unknown }).code;
  const raw = `${e.message}${typeof code === 'string' && !e.message.includes(code) ? ` (${code})` : ''}`;
  if (typeof code === 'string' && UNTRUSTED.has(code)) {
    return { kind: 'tls-untrusted', message: `TLS: the broker's certificate is not trusted by the configured CA (caFile), or does not name that host: ${raw}` };
  }
  if (/alert|handshake|certificate required/i.test(e.message) && (typeof code !== 'string' || code.startsWith('ERR_SSL'))) {
    return { kind: 'tls-refused', message: `TLS: the broker refused the handshake (its CA does not accept this client's certificate, certFile/keyFile, or none was given): ${raw}` };
  }
  if (typeof code === 'string' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || code.startsWith('ERR_OSSL'))) {
    return { kind: 'tls', message: `TLS: ${raw}` };
  }
  // CONNACK reason codes (MQTT 5 3.2.2.2; 3.1.1's 4 and 5 come as 134 and 135 from MQTT.js)
  if (code === 134 || code === 135 || code === 4 || code === 5) {
    return { kind: 'auth', message: `the broker refused the bridge's credentials (username/password, or the client certificate's identity): ${raw}` };
  }
  if (typeof code === 'number') return { kind: 'refused', message: `the broker refused the connection: ${raw}` };
  if (typeof code === 'string' && code.startsWith('E')) return { kind: 'network', message: `cannot reach the broker: ${raw}` };
  return { kind: 'other', message: raw };
}

type Chunk = Buffer | Uint8Array | string;

/**
 * mqtt-packet writes a packet as many small chunks (about 20 for a PUBLISH with user properties)
 * between the socket's cork() and an uncork() on the next tick, and Node's Writable keeps an object
 * per chunk until writev: most of the bridge's cost of a message. Here what is written while corked
 * is gathered and written as one buffer when the last uncork() comes (or before end()): the same
 * bytes in the same order, one Writable entry per burst. Back-pressure is the socket's own state.
 */
export function coalesceWrites(s: NodeJS.WritableStream & { cork(): void; uncork(): void; writableNeedDrain?: boolean }): void {
  const write = s.write.bind(s) as (c: Chunk, ...rest: unknown[]) => boolean;
  const cork = s.cork.bind(s);
  const uncork = s.uncork.bind(s);
  const end = s.end.bind(s) as (...a: unknown[]) => unknown;
  let parts: Buffer[] = [];
  let depth = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const all = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    write(all);
  };
  s.cork = () => {
    depth++;
    cork();
  };
  s.uncork = () => {
    if (depth > 0 && --depth === 0) flush();
    uncork();
  };
  s.write = ((chunk: Chunk, ...rest: unknown[]) => {
    if (depth === 0 || rest.some((r) => typeof r === 'function')) return (flush(), write(chunk, ...rest)); // a callback: written as is
    parts.push(typeof chunk === 'string' ? Buffer.from(chunk, typeof rest[0] === 'string' ? (rest[0] as BufferEncoding) : 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    return s.writableNeedDrain !== true;
  }) as typeof s.write;
  s.end = ((...a: unknown[]) => (flush(), end(...a))) as typeof s.end;
}

type SendPacket = (packet: { cmd: string; messageId?: number }, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

export class BrokerLink {
  client: MqttClient | undefined;
  connected = false;
  generation = 0;
  /** Connections made, and those lost. */
  connects = 0;
  disconnects = 0;
  /** Connection errors by kind (an attempt that failed, or a connection that broke with an error). */
  readonly failures: Partial<Record<LinkFailure, number>> = {};
  /** The last connection error, described (describeLinkError). */
  lastError: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly backoff: DecorrelatedJitter;

  constructor(private readonly o: BrokerOptions, private readonly will: Will, private readonly h: LinkHandlers) {
    this.backoff = new DecorrelatedJitter(o.reconnect);
  }

  start(): void {
    this.attempt();
  }

  private attempt(): void {
    if (this.closed) return;
    const gen = ++this.generation;
    const v5 = (this.o.protocolVersion ?? 5) === 5;
    const opts: IClientOptions = {
      protocolVersion: v5 ? 5 : 4,
      reconnectPeriod: 0,
      connectTimeout: this.o.connectTimeoutMs ?? 5000,
      keepalive: this.o.keepaliveSeconds ?? 30,
      clean: this.o.clean ?? true,
      resubscribe: false,
      queueQoSZero: false,
      will: { topic: this.will.topic, payload: Buffer.from(this.will.payload), qos: 1, retain: true },
      // MQTT.js logs every packet through `debug` (a call and its arguments per packet even when
      // off); with DEBUG unset nobody reads it
      ...(process.env['DEBUG'] === undefined && { log: () => undefined }),
      ...(this.o.clientId !== undefined && { clientId: this.o.clientId }),
      ...(this.o.username !== undefined && { username: this.o.username }),
      ...(this.o.password !== undefined && { password: this.o.password }),
      ...(this.o.ca !== undefined && { ca: this.o.ca }),
      ...(this.o.cert !== undefined && { cert: this.o.cert }),
      ...(this.o.key !== undefined && { key: this.o.key }),
      ...(this.o.rejectUnauthorized !== undefined && { rejectUnauthorized: this.o.rejectUnauthorized }),
      ...(v5 && this.o.sessionExpirySeconds !== undefined && { properties: { sessionExpiryInterval: this.o.sessionExpirySeconds } }),
    };
    const c = connect(this.o.url, opts);
    this.client = c;
    // MQTT.js sends a PUBACK/PUBCOMP as soon as handleMessage calls back, and takes the next packet
    // only then: waiting there for the hub's journal would take one publication per fsync. Instead
    // the acknowledgement itself waits, in order, and the next publication is read at once.
    const held = new Map<number, Promise<void>>();
    let chain: Promise<void> = Promise.resolve();
    const raw = (c as unknown as { _sendPacket?: SendPacket })._sendPacket;
    if (typeof raw === 'function') {
      (c as unknown as { _sendPacket: SendPacket })._sendPacket = (packet, cb, ...rest) => {
        const wait = (packet.cmd === 'puback' || packet.cmd === 'pubcomp') && packet.messageId !== undefined ? held.get(packet.messageId) : undefined;
        if (wait === undefined) return raw.call(c, packet, cb, ...rest);
        held.delete(packet.messageId!);
        wait.then(() => gen === this.generation && raw.call(c, packet, () => undefined, ...rest), () => undefined);
        cb?.();
      };
    }
    c.handleMessage = (packet, done) => {
      if (gen !== this.generation) return done();
      const p = this.h.message(packet);
      if (p === undefined || packet.qos === 0) {
        void p?.catch(() => undefined);
        const room = this.h.room?.();
        return room === undefined ? done() : void room.then(() => done());
      }
      if (typeof raw !== 'function') return void p.then(() => done(), (e: Error) => done(e)); // serial fallback
      chain = chain.then(() => p);
      held.set(packet.messageId!, chain);
      chain = chain.catch(() => undefined);
      done();
    };
    let coalesced = false;
    c.on('connect', () => {
      if (gen !== this.generation || this.closed) return void c.end(true);
      const st = c.stream as unknown as Parameters<typeof coalesceWrites>[0];
      if (!coalesced && typeof st.cork === 'function' && typeof st.uncork === 'function') (coalesceWrites(st), (coalesced = true));
      // TCP_NODELAY: a PUBACK or a response must not wait ~40 ms for Nagle and the peer's delayed ACK
      (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
      this.connected = true;
      this.connects++;
      this.backoff.up(Date.now());
      this.h.up(c, gen);
    });
    c.on('error', (e) => {
      if (gen !== this.generation) return;
      const d = describeLinkError(e);
      this.failures[d.kind] = (this.failures[d.kind] ?? 0) + 1;
      this.lastError = d.message;
      this.h.error(Object.assign(new Error(d.message, { cause: e }), { kind: d.kind }));
    });
    c.on('close', () => {
      if (gen !== this.generation) return;
      if (this.connected) {
        this.connected = false;
        this.disconnects++;
        this.h.down();
      }
      c.removeAllListeners('connect');
      c.end(true);
      if (this.closed) return;
      this.generation++; // callbacks of this client are stale from now on
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.attempt(), this.backoff.next(Date.now()));
    });
  }

  /** Stops reconnecting and ends the client (its will is not sent: a clean DISCONNECT). */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    this.connected = false;
    if (c !== undefined) await new Promise<void>((r) => c.end(false, {}, () => r()));
  }
}
