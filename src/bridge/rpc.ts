/**
 * RPC across the bridge, both ways, on MQTT 5 request/response (Response Topic + Correlation Data).
 *
 * MQTT -> Saltwire: a request published to `<callPrefix>/<device>/<method>` (default prefix
 * 'saltwire/call') becomes hub.call(device, method, params) and its outcome is published to the
 * request's Response Topic with its Correlation Data. Params: the payload as MessagePack when the
 * Content Type is 'application/msgpack', else as JSON, else (not JSON) the raw bytes; no payload is
 * nil. The call's timeout is the request's Message Expiry (capped at `maxTimeoutMs`), else
 * `timeoutMs`. The response carries the user property `sw-outcome` and `sw-reason-code` (an MQTT 5
 * reason code, as hex):
 *
 *   ok            0x00 Success                  payload: the result (JSON, or MessagePack if asked)
 *   no-responder  0x10 No matching subscribers  the device serves no such method
 *   unreachable   0x88 Server unavailable       the device is known unreachable
 *   timeout       0x80 Unspecified error        no result in time (`sw-delivered`: whether it arrived)
 *   rejected      0x87 Not authorized           access control refused the call
 *   remote-error  0x83 Implementation specific  the handler threw (`sw-error-code`, `sw-error-message`)
 *   bad-request   0x99 Payload format invalid   params that are not JSON/MessagePack as declared
 *
 * Errors carry a JSON payload {"outcome","code","message"} too. A request without a Response Topic
 * is refused and counted. The request's own user properties (those not starting with `sw-`, which
 * are the bridge's) come back on its response, as an MQTT 5 responder would keep them: the device in
 * between cannot carry them (a Saltwire CALL has no field for them, spec 15.3), the bridge can.
 *
 * Saltwire -> MQTT: for each method in `serve` the hub serves it (a device calls it on the hub's id);
 * the call is published to `<servicePrefix>/<method>` with a Response Topic of this bridge and
 * Correlation Data, JSON params, Message Expiry = the timeout; the MQTT service's response (same
 * conventions) resolves the call; no response in time or no broker is a remote error
 * ('timeout' / 'unreachable') to the caller.
 * @module
 */
import { decode, encode } from '@msgpack/msgpack';
import type { IClientPublishOptions, IPublishPacket } from 'mqtt';
import { randomBytes } from 'node:crypto';
import type { Hub } from '../messaging/hub.js';
import { RpcError, RpcRemoteError, RpcTimeoutError } from '../rpc/errors.js';

/** @group Bridge */
export interface RpcBridgeOptions {
  /** Broker topic prefix of calls into Saltwire (default 'saltwire/call'); false: none. */
  readonly callPrefix?: string | false;
  /** Methods the hub serves by calling an MQTT 5 service (default none). */
  readonly serve?: readonly string[];
  /** Broker topic prefix the served methods' requests go to (default 'saltwire/service'). */
  readonly servicePrefix?: string;
  /** Default call timeout, ms (default 5000), and the cap of one taken from a Message Expiry (default 60,000). */
  readonly timeoutMs?: number;
  readonly maxTimeoutMs?: number;
}

/** @group Bridge */
export const OUTCOME_PROPERTY = 'sw-outcome';
/** @group Bridge */
export const REASON_PROPERTY = 'sw-reason-code';

const REASON: Record<string, number> = {
  ok: 0x00,
  'no-responder': 0x10,
  unreachable: 0x88,
  timeout: 0x80,
  rejected: 0x87,
  'remote-error': 0x83,
  'bad-request': 0x99,
};

const OUTCOME_OF_CODE: Record<string, string> = {
  ERR_RPC_NO_RESPONDER: 'no-responder',
  ERR_RPC_UNREACHABLE: 'unreachable',
  ERR_RPC_TIMEOUT: 'timeout',
  ERR_RPC_REJECTED: 'rejected',
  ERR_RPC_REMOTE: 'remote-error',
};

/**
 * How the RPC bridge publishes to the broker directly: false when the broker is not connected.
 * @group Bridge
 */
export type RpcSend = (topic: string, payload: Uint8Array, opts: IClientPublishOptions) => boolean;

/** A JSON view of a result: bytes as base64 strings, bigints as decimal strings. */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : typeof x === 'bigint' ? x.toString() : x)) ?? 'null';
}

/** A request's user properties that its response keeps: all but the bridge's own (`sw-` prefix). */
function requestProperties(up: Record<string, string | string[]> | undefined): Record<string, string | string[]> {
  const kept: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(up ?? {})) if (!k.startsWith('sw-')) kept[k] = v;
  return kept;
}

/** @group Bridge */
export class RpcBridge {
  readonly stats = { callsIn: 0, callsOut: 0, refused: 0, outcomes: {} as Record<string, number> };
  private readonly callPrefix: string | undefined;
  private readonly replyTopic: string;
  private readonly pending = new Map<string, { resolve: (p: IPublishPacket) => void }>();
  private readonly unserve: Array<() => void> = [];
  /** Whether this hub answers a call of `device` (a cluster: the hub holding it); undefined: always. */
  private answers: ((device: string) => boolean) | undefined;

  constructor(private readonly hub: Hub, origin: string, private readonly o: RpcBridgeOptions, private readonly send: RpcSend) {
    this.callPrefix = o.callPrefix === false ? undefined : (o.callPrefix ?? 'saltwire/call');
    this.replyTopic = `saltwire/reply/${origin}`;
    for (const m of o.serve ?? []) this.unserve.push(hub.serve(m, (params) => this.callOut(m, params)));
  }

  /**
   * In a cluster every hub receives each request: only the one `answers` names calls the device and
   * responds (one response per request), the others drop it.
   */
  setAnswers(answers: ((device: string) => boolean) | undefined): void {
    this.answers = answers;
  }

  /** Broker filters this needs. */
  subscriptions(): Array<{ filter: string; qos: 0 | 1 | 2 }> {
    const s: Array<{ filter: string; qos: 0 | 1 | 2 }> = [{ filter: this.replyTopic, qos: 1 }];
    if (this.callPrefix !== undefined) s.push({ filter: `${this.callPrefix}/+/+`, qos: 1 });
    return s;
  }

  handles(topic: string): boolean {
    if (topic === this.replyTopic) return true;
    if (this.callPrefix === undefined || !topic.startsWith(`${this.callPrefix}/`)) return false;
    return topic.slice(this.callPrefix.length + 1).split('/').length === 2;
  }

  /** A request or a response from the broker (acknowledged at once: a call is not durable). */
  onMessage(p: IPublishPacket): void {
    if (p.topic === this.replyTopic) {
      const corr = p.properties?.correlationData;
      if (corr !== undefined) this.pending.get(Buffer.from(corr).toString('hex'))?.resolve(p);
      return;
    }
    void this.callIn(p);
  }

  private async callIn(p: IPublishPacket): Promise<void> {
    const props = p.properties ?? {};
    const replyTo = props.responseTopic;
    if (replyTo === undefined) return void this.stats.refused++;
    const [device, method] = p.topic.slice(this.callPrefix!.length + 1).split('/') as [string, string];
    if (this.answers !== undefined && !this.answers(device)) return;
    this.stats.callsIn++;
    const msgpack = props.contentType === 'application/msgpack';
    const kept = requestProperties(props.userProperties);
    const answer = (outcome: string, payload: Uint8Array, extra: Record<string, string> = {}): void => {
      this.stats.outcomes[outcome] = (this.stats.outcomes[outcome] ?? 0) + 1;
      this.send(replyTo, payload, {
        qos: Math.min(p.qos, 1) as 0 | 1,
        properties: {
          ...(props.correlationData !== undefined && { correlationData: props.correlationData }),
          contentType: msgpack && outcome === 'ok' ? 'application/msgpack' : 'application/json',
          userProperties: { ...kept, [OUTCOME_PROPERTY]: outcome, [REASON_PROPERTY]: `0x${REASON[outcome]!.toString(16).padStart(2, '0')}`, ...extra },
        },
      });
    };
    const fail = (outcome: string, code: string, message: string, extra: Record<string, string> = {}): void =>
      answer(outcome, new TextEncoder().encode(JSON.stringify({ outcome, code, message })), extra);
    let params: unknown;
    const body = new Uint8Array(p.payload as Buffer);
    try {
      if (body.length === 0) params = undefined;
      else if (msgpack) params = decode(body);
      else {
        try {
          params = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
        } catch (e) {
          if (props.contentType === 'application/json') throw e;
          params = body; // not JSON: the bytes themselves
        }
      }
    } catch (e) {
      return fail('bad-request', 'bad-params', (e as Error).message);
    }
    const max = this.o.maxTimeoutMs ?? 60_000;
    const timeout = props.messageExpiryInterval !== undefined ? Math.min(max, props.messageExpiryInterval * 1000) : (this.o.timeoutMs ?? 5000);
    try {
      const result = await this.hub.call(device, method, params, { timeout });
      answer('ok', msgpack ? encode(result) : new TextEncoder().encode(toJson(result)));
    } catch (e) {
      const outcome = e instanceof RpcError ? (OUTCOME_OF_CODE[e.code] ?? 'remote-error') : 'remote-error';
      const extra: Record<string, string> = {};
      if (e instanceof RpcRemoteError) Object.assign(extra, { 'sw-error-code': e.remoteCode, 'sw-error-message': e.remoteMessage });
      if (e instanceof RpcTimeoutError) extra['sw-delivered'] = String(e.delivered);
      fail(outcome, e instanceof RpcRemoteError ? e.remoteCode : ((e as { code?: string }).code ?? 'error'), (e as Error).message, extra);
    }
  }

  /** A Saltwire call of a served method: request to the MQTT service, its response the result. */
  private async callOut(method: string, params: unknown): Promise<unknown> {
    this.stats.callsOut++;
    const corr = randomBytes(16);
    const key = corr.toString('hex');
    const timeoutMs = this.o.timeoutMs ?? 5000;
    const reply = new Promise<IPublishPacket | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs);
      this.pending.set(key, { resolve: (p) => (clearTimeout(t), resolve(p)) });
    });
    try {
      const sent = this.send(`${this.o.servicePrefix ?? 'saltwire/service'}/${method}`, new TextEncoder().encode(toJson(params ?? null)), {
        qos: 1,
        properties: { responseTopic: this.replyTopic, correlationData: corr, contentType: 'application/json', messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)) },
      });
      if (!sent) throw Object.assign(new Error('the MQTT broker is not connected'), { code: 'unreachable' });
      const p = await reply;
      if (p === undefined) throw Object.assign(new Error(`no response from the MQTT service in ${timeoutMs} ms`), { code: 'timeout' });
      const up = p.properties?.userProperties ?? {};
      const outcome = String(up[OUTCOME_PROPERTY] ?? 'ok');
      const bytes = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
      const text = bytes.toString('utf8');
      let value: unknown;
      try {
        value = p.properties?.contentType === 'application/msgpack' ? decode(bytes) : text === '' ? null : JSON.parse(text);
      } catch {
        value = new Uint8Array(bytes);
      }
      if (outcome !== 'ok') throw Object.assign(new Error(typeof (value as { message?: unknown })?.message === 'string' ? (value as { message: string }).message : text), { code: outcome });
      return value;
    } finally {
      this.pending.delete(key);
    }
  }

  close(): void {
    for (const f of this.unserve.splice(0)) f();
    for (const p of this.pending.values()) p.resolve(undefined as unknown as IPublishPacket);
  }
}
