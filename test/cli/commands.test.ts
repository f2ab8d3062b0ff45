/**
 * The commands' logic against a fake Messaging: output formats, counting, timeouts, exit codes,
 * and the RemoteError path (exit 7) that the CLI's own services (echo, time) cannot produce.
 */
import { describe, expect, it } from 'vitest';
import type { Handler, Messaging, Publication, Subscription } from '../../src/messaging/api.js';
import type { QoS } from '../../src/messaging/ops.js';
import { RpcNoResponderError, RpcRemoteError } from '../../src/rpc/errors.js';
import { SaltwireError } from '../../src/errors.js';
import { callAndPrint, toJson } from '../../src/cli/commands/call.js';
import { formatPublication, publicationJson, subscribeAndPrint } from '../../src/cli/commands/sub.js';
import { publishAll } from '../../src/cli/commands/pub.js';
import { serveEcho, timeResult } from '../../src/cli/commands/serve.js';

const never = new Promise<string>(() => undefined);

function publication(topic: string, payload: Uint8Array | string, qos: QoS = 0): Publication {
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  return {
    topic,
    payload: bytes,
    qos,
    retained: false,
    from: 'sensor-1',
    text: () => new TextDecoder().decode(bytes),
    json: <T,>() => JSON.parse(new TextDecoder().decode(bytes)) as T,
  };
}

class FakeMessaging implements Messaging {
  published: Array<{ topic: string; payload: string; qos: QoS | undefined; retain: boolean | undefined; at: number }> = [];
  deliver: ((p: Publication) => void) | undefined;
  granted: Promise<QoS> = Promise.resolve(0);
  unsubscribed = 0;
  /** Runs on unsubscribe() (e.g. to settle `granted` as the subscription ends). */
  onUnsubscribe: () => void = () => undefined;
  callResult: () => unknown = () => null;
  handlers = new Map<string, Handler>();

  async publish(topic: string, payload: Uint8Array | string, o?: { qos?: QoS; retain?: boolean }): Promise<void> {
    this.published.push({ topic, payload: String(payload), qos: o?.qos, retain: o?.retain, at: performance.now() });
  }
  subscribe(filter: string, _o?: unknown, callback?: (p: Publication) => void): Subscription {
    this.deliver = callback;
    const granted = this.granted;
    return {
      filter,
      granted,
      dropped: 0,
      unsubscribe: async () => {
        this.unsubscribed++;
        this.onUnsubscribe();
      },
      [Symbol.asyncIterator]: () => {
        throw new Error('not used');
      },
    };
  }
  async call<T = unknown>(): Promise<T> {
    return this.callResult() as T;
  }
  serve(method: string, handler: Handler): () => void {
    this.handlers.set(method, handler);
    return () => this.handlers.delete(method);
  }
  async setWill(): Promise<void> {}
  async close(): Promise<void> {}
}

function capture(stopped: Promise<string> = never): { io: { out(l: string): void; err(l: string): void; stopped: Promise<string> }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (l) => out.push(l), err: (l) => err.push(l), stopped }, out, err };
}

describe('sub', () => {
  it('--json: text payloads as utf8, others as base64', () => {
    expect(publicationJson(publication('a/b', 'héllo', 1))).toEqual({ topic: 'a/b', payload: 'héllo', encoding: 'utf8', qos: 1, retained: false, from: 'sensor-1' });
    const bin = publication('a', new Uint8Array([0xff, 0x00, 0xc3]));
    expect(publicationJson(bin)).toMatchObject({ payload: '/wDD', encoding: 'base64' });
    expect(formatPublication(publication('a', 'plain'), false)).toBe('plain');
    expect(JSON.parse(formatPublication(publication('a', 'x'), true))).toMatchObject({ topic: 'a', payload: 'x' });
  });

  it('prints --count publications, then exits 0 and unsubscribes', async () => {
    const m = new FakeMessaging();
    const c = capture();
    const done = subscribeAndPrint(m, { filter: 'a/#', qos: 1, count: 2, json: false }, c.io);
    await Promise.resolve();
    for (const t of ['one', 'two', 'three']) m.deliver!(publication('a/x', t));
    expect(await done).toBe(0);
    expect(c.out).toEqual(['one', 'two']);
    expect(c.err).toEqual(['subscribed a/# qos 0 (asked for 1)']);
    expect(m.unsubscribed).toBe(1);
  });

  it('exits 2 when --timeout passes first', async () => {
    const m = new FakeMessaging();
    const c = capture();
    const t0 = performance.now();
    expect(await subscribeAndPrint(m, { filter: 'a', qos: 0, count: 5, timeoutMs: 100, json: false }, c.io)).toBe(2);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(c.err.at(-1)).toMatch(/timed out after 0.1 s with 0 of 5 messages/);
  });

  it('--timeout counts from the grant, not from subscribing', { timeout: 5000 }, async () => {
    const m = new FakeMessaging();
    m.granted = new Promise((r) => setTimeout(() => r(1), 300));
    const c = capture();
    const t0 = performance.now();
    expect(await subscribeAndPrint(m, { filter: 'a', qos: 1, count: 1, timeoutMs: 200, json: false }, c.io)).toBe(2);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(480);
    expect(c.err).toEqual(['subscribed a qos 1', 'saltwire sub: timed out after 0.2 s with 0 of 1 messages']);
  });

  it('no grant within connect.timeoutMs: fails with connect.error(), never prints "subscribed", exits at once', { timeout: 5000 }, async () => {
    const m = new FakeMessaging();
    let grant!: (q: QoS) => void;
    m.granted = new Promise((r) => (grant = r));
    m.onUnsubscribe = () => grant(1); // a subscription whose end settled `granted` (the old LocalSubscription did)
    const c = capture();
    const t0 = performance.now();
    const o = { filter: 'a', qos: 1 as QoS, timeoutMs: 150, json: false, connect: { timeoutMs: 300, error: () => new SaltwireError('ERR_HUB_UNREACHABLE', 'no answer') } };
    await expect(subscribeAndPrint(m, o, c.io)).rejects.toThrow('no answer');
    expect(performance.now() - t0).toBeLessThan(1000); // the unanswered UNSUBSCRIBE is not waited for
    await new Promise((r) => setTimeout(r, 20));
    expect(c.err).toEqual([]);
    expect(c.out).toEqual([]);
    expect(m.unsubscribed).toBe(1);
  });

  it('a refused subscription fails with its error; a signal exits 0', async () => {
    const m = new FakeMessaging();
    m.granted = Promise.reject(new SaltwireError('ERR_SUBSCRIPTION_REFUSED', 'refused'));
    await expect(subscribeAndPrint(m, { filter: 'a', qos: 0, json: false }, capture().io)).rejects.toThrow('refused');
    const m2 = new FakeMessaging();
    expect(await subscribeAndPrint(m2, { filter: 'a', qos: 0, json: false }, capture(Promise.resolve('SIGINT')).io)).toBe(0);
  });
});

describe('pub', () => {
  it('publishes --repeat times, --interval apart', async () => {
    const m = new FakeMessaging();
    expect(await publishAll(m, { topic: 't', message: 'm', qos: 1, retain: true, repeat: 3, intervalMs: 50 }, never)).toBe(0);
    expect(m.published.map((p) => [p.topic, p.payload, p.qos, p.retain])).toEqual([['t', 'm', 1, true], ['t', 'm', 1, true], ['t', 'm', 1, true]]);
    expect(m.published[2]!.at - m.published[0]!.at).toBeGreaterThanOrEqual(95);
  });

  it('a signal stops it with exit 1', async () => {
    const m = new FakeMessaging();
    expect(await publishAll(m, { topic: 't', message: 'm', qos: 0, retain: false, repeat: 3, intervalMs: 10_000 }, Promise.resolve('SIGTERM'))).toBe(1);
    expect(m.published.length).toBeLessThanOrEqual(1);
  });
});

describe('call', () => {
  it('prints the result as one line of JSON', async () => {
    const m = new FakeMessaging();
    m.callResult = () => ({ a: 1n, big: 2n ** 60n, bin: new Uint8Array([1, 2, 3]), map: new Map([['k', [true, null]]]) });
    const c = capture();
    expect(await callAndPrint(m, { to: 'd', method: 'x', params: undefined, timeoutMs: 100 }, c.io)).toBe(0);
    expect(c.out).toEqual(['{"a":1,"big":"1152921504606846976","bin":"AQID","map":{"k":[true,null]}}']);
    expect(toJson(undefined)).toBe('null');
  });

  it('a remote error exits 7 and prints its code and message to stderr', async () => {
    const m = new FakeMessaging();
    m.callResult = () => {
      throw new RpcRemoteError('d', 'x', 'overheated', 'too hot', { celsius: 99 });
    };
    const c = capture();
    expect(await callAndPrint(m, { to: 'd', method: 'x', params: 1, timeoutMs: 100 }, c.io)).toBe(7);
    expect(c.out).toEqual([]);
    expect(c.err).toEqual([
      'saltwire call: handler of "x" on peer "d" failed: overheated: too hot',
      'remote error code: overheated',
      'remote error message: too hot',
      'remote error data: {"celsius":99}',
    ]);
  });

  it('other outcomes exit with their code', async () => {
    const m = new FakeMessaging();
    m.callResult = () => {
      throw new RpcNoResponderError('d', 'nope');
    };
    expect(await callAndPrint(m, { to: 'd', method: 'nope', params: 1, timeoutMs: 100 }, capture().io)).toBe(4);
  });
});

describe('serve --echo', () => {
  it('echo returns its params, time returns {iso, epochMs}', async () => {
    const m = new FakeMessaging();
    const stop = serveEcho(m);
    const ctx = { from: 'c', method: 'echo' };
    expect(await m.handlers.get('echo')!({ a: [1] }, ctx)).toEqual({ a: [1] });
    const t = (await m.handlers.get('time')!(null, ctx)) as { iso: string; epochMs: number };
    expect(new Date(t.iso).getTime()).toBe(t.epochMs);
    expect(Math.abs(t.epochMs - Date.now())).toBeLessThan(1000);
    expect(timeResult(0)).toEqual({ iso: '1970-01-01T00:00:00.000Z', epochMs: 0 });
    stop();
    expect(m.handlers.size).toBe(0);
  });
});
