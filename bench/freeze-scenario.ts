/**
 * One outage that ends in a burst, over real UDP with real processes (issue 14 item 1): a hub (the
 * `saltwire hub` command), a device publishing QoS 1 every 200 ms and an observer subscribed to what
 * it publishes, each client behind a CountingRelay of its own. The outage is either the hub frozen
 * (SIGSTOP, then SIGCONT: the hub wakes to a full socket buffer and overdue timers) or the device's
 * datagrams to the hub held in its relay and released at once. Measured: the datagrams of each
 * direction per second after the release, the device's datagrams per 10 s during the outage, whether
 * the device is reachable again (a QoS 1 publication made after the release acknowledged, a call from
 * the observer answered), acknowledged vs received publications, and the hub's CPU time after.
 *
 * Before the fix of c72c3a6 ([SW-9.4-4], [SW-12.3-2], [SW-12.3-9], [SW-14.4-14], [SW-14.7-10]) hub
 * and device went on exchanging 50-75k datagrams/s each way and the device stayed unreachable.
 * Every process is killed on every exit path (finally); every wait is bounded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CountingRelay } from './freeze-relay.js';
import { freeUdpPort, killChildren, startCliHub, startDevice, startObserver, wallNow, type CallRecord, type Child, type CliHub, type PubRecord } from './freeze-procs.js';

export type OutageKind = 'freeze' | 'hold';

export interface ScenarioOptions {
  readonly kind: OutageKind;
  readonly outageMs: number;
  /** Publishing before the outage; the normal rate is measured over its last `warmupMs - 1000`. Default 4000. */
  readonly warmupMs?: number;
  /** The window measured after the release. Default 10,000. */
  readonly afterMs?: number;
  /** After the device stops publishing, the wait for deliveries in flight. Default 3000. */
  readonly drainMs?: number;
  /** The device publishes every this many ms. Default 200. */
  readonly everyMs?: number;
  /** In the warm-up and from the release on, the observer calls the device every `callEveryMs` (default 250) with this timeout (default 1000). */
  readonly callEveryMs?: number;
  readonly callTimeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface ScenarioResult {
  readonly kind: OutageKind;
  readonly outageMs: number;
  /** Datagrams per second of each direction between device and hub before the outage. */
  readonly normal: { readonly toHub: number; readonly toDevice: number };
  /** Datagrams in each second after the release (second 0 holds a released burst). */
  readonly after: { readonly toHub: number[]; readonly toDevice: number[] };
  /** The same between the observer and the hub. */
  readonly observerAfter: { readonly toHub: number[]; readonly toObserver: number[] };
  /** The device's datagrams that reached the relay in each whole 10 s of the outage. */
  readonly outagePer10s: number[];
  /** Held datagrams released at once ('hold'), else 0. */
  readonly released: number;
  /** ms from the release to the acknowledgement of the first publication made after it (null: none acknowledged). */
  readonly firstPubAckMs: number | null;
  /** ms from the release to the first answer to a call started after it (null: none answered). */
  readonly firstCallAnswerMs: number | null;
  /** Calls started from the release on. */
  readonly calls: { readonly made: number; readonly answered: number; readonly failed: Record<string, number> };
  /** Publications made, acknowledged, failed (by error), and those not settled at the end. */
  readonly pubs: { readonly made: number; readonly acked: number; readonly failed: Record<string, number>; readonly pending: number };
  /** Publications made after the first second after the release that were not acknowledged within 1 s. */
  readonly lateAfter: number;
  readonly received: number;
  readonly duplicates: number;
  /** Acknowledged but never received by the observer: must be 0. */
  readonly missing: number;
  /** The hub's CPU time in the window after the release, ms. */
  readonly hubCpuMs: number;
  /** The hub's CPU time in the warm-up, scaled to the same window (10 ms resolution): its normal cost. */
  readonly hubCpuNormalMs: number;
  readonly windowMs: number;
}

const SITE_HEX = '5a'.repeat(32);
const DEVICE = 'freeze-dev';
const OBSERVER = 'freeze-obs';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const tally = (names: Array<string | null>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const n of names) if (n !== null) out[n] = (out[n] ?? 0) + 1;
  return out;
};

export async function runScenario(o: ScenarioOptions): Promise<ScenarioResult> {
  const warmupMs = o.warmupMs ?? 4000;
  const afterMs = o.afterMs ?? 10_000;
  const everyMs = o.everyMs ?? 200;
  const callEveryMs = o.callEveryMs ?? 250;
  const log = o.log ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'saltwire-freeze-'));
  const relays: CountingRelay[] = [];
  const kids: Child[] = [];
  let hub: CliHub | undefined;
  try {
    const target = { host: '127.0.0.1', port: await freeUdpPort() };
    const maxSeconds = (warmupMs + o.outageMs + afterMs) / 1000 + 120;
    const dev = await CountingRelay.start(target, maxSeconds);
    const obs = await CountingRelay.start(target, maxSeconds);
    relays.push(dev, obs);
    // the three started together (the clients resend until the hub answers); what started when
    // another failed is killed by killChildren below
    const [h, observer, device] = await Promise.all([
      startCliHub(SITE_HEX, join(dir, 'hub'), target.port),
      startObserver({ siteHex: SITE_HEX, id: OBSERVER, stateDir: join(dir, OBSERVER), hub: obs.address }),
      startDevice({ siteHex: SITE_HEX, id: DEVICE, stateDir: join(dir, DEVICE), hub: dev.address }),
    ]);
    hub = h;
    kids.push(observer, device);
    log(`  hub pid ${hub.pid} on ${hub.port}; device and observer ready; publishing every ${everyMs} ms`);
    await device.request({ cmd: 'publish', everyMs });
    // calls in the warm-up too: the normal rate is that of publications and calls
    const calls = (ms: number): Promise<unknown> =>
      observer.request({ cmd: 'calls', peer: DEVICE, count: Math.floor(ms / callEveryMs), everyMs: callEveryMs, timeoutMs: o.callTimeoutMs ?? 1000 });
    await calls(warmupMs);
    await sleep(1000);
    const cpuWarm = hub.cpuMs();
    await sleep(warmupMs - 1000);

    const tOut = wallNow();
    const cpuNormal = hub.cpuMs() - cpuWarm;
    if (o.kind === 'freeze') hub.signal('SIGSTOP');
    else dev.hold();
    log(`  ${o.kind === 'freeze' ? 'hub stopped (SIGSTOP)' : "device's datagrams to the hub held"} for ${o.outageMs / 1000} s`);
    await sleep(o.outageMs);
    const t = wallNow();
    let released = 0;
    if (o.kind === 'freeze') hub.signal('SIGCONT');
    else released = dev.release();
    const cpu0 = hub.cpuMs();
    log(`  released${o.kind === 'hold' ? ` ${released} held datagrams` : ' (SIGCONT)'}; measuring ${afterMs / 1000} s`);
    await calls(afterMs);
    await sleep(afterMs);
    const hubCpuMs = hub.cpuMs() - cpu0;
    const windowEnd = wallNow();
    await device.request({ cmd: 'stop' });
    await sleep(o.drainMs ?? 3000);
    const { pubs } = await device.request<{ pubs: PubRecord[] }>({ cmd: 'report' });
    const { received, calls: callLog } = await observer.request<{ received: Array<[number, number]>; calls: CallRecord[] }>({ cmd: 'report' });

    const normalFrom = tOut - (warmupMs - 1000); // about when cpuWarm was read
    const perSec = (n: number): number => Math.round((n * 1000) / (tOut - normalFrom));
    const seconds = Math.floor(afterMs / 1000);
    const got = new Set(received.map(([n]) => n));
    const acked = pubs.filter((p) => p[2] !== null);
    const firstPub = pubs.find((p) => p[1] >= t && p[2] !== null);
    const callsAfter = callLog.filter((c) => c[0] >= t);
    const answered = callsAfter.filter((c) => c[1] !== null);
    return {
      kind: o.kind,
      outageMs: o.outageMs,
      normal: { toHub: perSec(dev.count('forwarded', 'toTarget', normalFrom, tOut)), toDevice: perSec(dev.count('forwarded', 'toClient', normalFrom, tOut)) },
      after: { toHub: dev.series('forwarded', 'toTarget', t, 1000, seconds), toDevice: dev.series('forwarded', 'toClient', t, 1000, seconds) },
      observerAfter: { toHub: obs.series('forwarded', 'toTarget', t, 1000, seconds), toObserver: obs.series('forwarded', 'toClient', t, 1000, seconds) },
      outagePer10s: dev.series('received', 'toTarget', tOut, 10_000, Math.floor(o.outageMs / 10_000)),
      released,
      firstPubAckMs: firstPub === undefined ? null : Math.round(firstPub[2]! - t),
      firstCallAnswerMs: answered.length === 0 ? null : Math.round(Math.min(...answered.map((c) => c[1]!)) - t),
      calls: { made: callsAfter.length, answered: answered.length, failed: tally(callsAfter.map((c) => c[2])) },
      pubs: { made: pubs.length, acked: acked.length, failed: tally(pubs.map((p) => p[3])), pending: pubs.filter((p) => p[2] === null && p[3] === null).length },
      lateAfter: pubs.filter((p) => p[1] >= t + 1000 && p[1] < windowEnd - 1000 && (p[2] === null || p[2] - p[1] > 1000)).length,
      received: got.size,
      duplicates: received.length - got.size,
      missing: acked.filter((p) => !got.has(p[0])).length,
      hubCpuMs,
      hubCpuNormalMs: Math.round((cpuNormal * afterMs) / (tOut - normalFrom)),
      windowMs: afterMs,
    };
  } finally {
    // a stopped hub would keep its port and state: SIGKILL needs no SIGCONT
    await Promise.all([...kids.map((k) => k.stop().catch(() => undefined)), hub?.kill().catch(() => undefined)]);
    killChildren();
    await Promise.all(relays.map((r) => r.close()));
    await rm(dir, { recursive: true, force: true });
  }
}
