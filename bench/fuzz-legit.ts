/**
 * The legitimate device of the fuzz bench (bench/fuzz.ts): the exchanges whose datagrams make the
 * corpus, and the round trips (an RPC `echo` call, a QoS 1 publication that comes back through the
 * hub to the device's own subscription) that must keep working during and after the run.
 * @module
 */
import type { Publication, Subscription } from '../src/messaging/api.js';
import type { Client } from '../src/messaging/client.js';
import { percentile } from './peers/util.js';

const TIMEOUT_MS = 3000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Round trips measured, and failures by error name. */
export class Tally {
  readonly rpcMs: number[] = [];
  readonly pubMs: number[] = [];
  failed = 0;
  readonly errors = new Map<string, number>();

  fail(what: string, e: unknown): void {
    this.failed++;
    const k = `${what}: ${e instanceof Error ? e.name : String(e)}`;
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }

  summary(): string {
    const fmt = (xs: number[]): string => {
      const s = [...xs].sort((x, y) => x - y);
      return `${s.length} ok, p50 ${percentile(s, 50).toFixed(2)} ms, p99 ${percentile(s, 99).toFixed(2)} ms, max ${(s.at(-1) ?? NaN).toFixed(1)} ms`;
    };
    const errs = this.errors.size === 0 ? '' : ` ${JSON.stringify(Object.fromEntries(this.errors))}`;
    return `rpc ${fmt(this.rpcMs)}; pubsub ${fmt(this.pubMs)}; failed ${this.failed}${errs}`;
  }
}

export class Legit {
  private readonly waiters = new Map<string, () => void>();
  private sub: Subscription | undefined;
  private seq = 0;

  constructor(
    private readonly client: Client,
    private readonly tag: string,
  ) {}

  private onPublication = (p: Publication): void => {
    this.waiters.get(p.text())?.();
  };

  /** Subscribes to the device's own topics (QoS 2), once. */
  async subscribed(): Promise<void> {
    if (this.sub !== undefined) return;
    this.sub = this.client.subscribe(`fuzz/${this.tag}/#`, { qos: 2 }, this.onPublication);
    await this.sub.granted;
  }

  /** Resolves once `text` comes back on the subscription, rejects after TIMEOUT_MS. */
  private back(text: string): Promise<void> {
    return new Promise((res, rej) => {
      const t = setTimeout(() => (this.waiters.delete(text), rej(new Error(`publication not back: ${text.slice(0, 40)}`))), TIMEOUT_MS);
      this.waiters.set(text, () => (clearTimeout(t), this.waiters.delete(text), res()));
    });
  }

  /**
   * Everything the corpus should hold: calls with small and 1,000-byte params, a subscription,
   * publications at QoS 0, 1 and 2, a retained one, a 5,000-byte one (fragments), each back on the
   * subscription.
   */
  async exchange(): Promise<void> {
    await this.subscribed();
    for (const params of [1, 'x', new Uint8Array(1000).fill(7), { a: [1, 2, 3] }]) await this.client.call('hub', 'echo', params, { timeout: TIMEOUT_MS });
    const pubs: Array<[string, string, 0 | 1 | 2, boolean]> = [
      ['q0', 'small', 0, false],
      ['q1', 'small', 1, false],
      ['q2', 'small', 2, false],
      ['r', 'retained', 1, true],
      ['big', 'x'.repeat(5000), 1, false],
    ];
    for (const [topic, body, qos, retain] of pubs) {
      const text = `${this.tag}-${topic}-${body}`;
      const back = this.back(text);
      await this.client.publish(`fuzz/${this.tag}/${topic}`, text, { qos, retain, deadlineMs: TIMEOUT_MS });
      await back;
    }
  }

  /** One RPC round trip and one publication round trip, timed into `t`. */
  async roundTrip(t: Tally): Promise<void> {
    const i = this.seq++;
    let a = performance.now();
    try {
      await this.client.call('hub', 'echo', { i, pad: 'p'.repeat(64) }, { timeout: TIMEOUT_MS });
      t.rpcMs.push(performance.now() - a);
    } catch (e) {
      t.fail('rpc', e);
    }
    const text = `${this.tag}-${i}`;
    a = performance.now();
    try {
      const back = this.back(text);
      await this.client.publish(`fuzz/${this.tag}/t`, text, { qos: 1, deadlineMs: TIMEOUT_MS });
      await back;
      t.pubMs.push(performance.now() - a);
    } catch (e) {
      t.fail('pubsub', e);
    }
  }

  /** Round trips every `everyMs` until `stop()` holds. */
  async loop(stop: () => boolean, everyMs: number): Promise<Tally> {
    const t = new Tally();
    while (!stop()) {
      await this.roundTrip(t);
      await sleep(everyMs);
    }
    return t;
  }

  /** `n` round trips back to back. */
  async burst(n: number): Promise<Tally> {
    const t = new Tally();
    for (let i = 0; i < n; i++) await this.roundTrip(t);
    return t;
  }
}
