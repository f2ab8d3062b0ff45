/**
 * Live checks of the message layer: publish/subscribe at QoS 0, 1 and 2 (against a hub, from one of
 * the runner's devices to the other and back; against a device, through its live application:
 * what its hub publishes on live/down/X it publishes back on live/up/X), calls and their outcomes,
 * reliability under injected loss, duplication and reordering, and the limits the runner declared.
 * @module
 */
import { RpcNoResponderError, RpcRemoteError, RpcUnreachableError, type QoS } from '../../../src/index.js';
import type { Check, Ctx, Verdict } from './checks.js';
import { quiet, sleep } from './checks.js';
import { DECLARED, type Ident } from './side.js';
import { checkCapture } from './wire.js';

/** Subscribes every identity to the live topics once (QoS 2: each publication at its own QoS). */
function subscribed(ctx: Ctx): Promise<unknown> {
  let p = ctx.shared.get('subscribed');
  if (p === undefined) {
    const s = ctx.side;
    const filter = s.t.role === 'hub' ? 'live/#' : 'live/up/#';
    p = Promise.all(
      s.idents.map((i) => {
        const list: string[] = [];
        s.got.set(i.id, list);
        return i.msg.subscribe(filter, { qos: 2 }, (x) => void list.push(x.text())).granted;
      }),
    );
    ctx.shared.set('subscribed', p);
  }
  return p;
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    if (cond()) return true;
    await sleep(25);
  }
  return cond();
}

/**
 * `count` publications at `qos` each way (hub target), or echoed by the device; every one taken at
 * least once, exactly once at QoS 2. Unsupported when a device never echoed anything.
 */
export async function pubsubRound(ctx: Ctx, qos: QoS, tag: string, count: number, deadlineMs = 8000): Promise<Verdict> {
  const s = ctx.side;
  const granted = await Promise.race([subscribed(ctx).then(() => true), sleep(deadlineMs).then(() => false)]);
  if (!granted) return `the runner's subscriptions were not granted within ${deadlineMs} ms`;
  const ways: Array<[Ident, Ident]> = s.t.role === 'device' ? [[s.a, s.a]] : s.a === s.b ? [[s.a, s.a]] : [[s.a, s.b], [s.b, s.a]];
  for (const [from, to] of ways) {
    const payloads = Array.from({ length: count }, (_, i) => `${tag}-${from.id}-${i}`);
    // four at a time: a device-profile outbox holds 8 messages
    const sent: PromiseSettledResult<void>[] = [];
    for (let i = 0; i < payloads.length; i += 4) {
      const chunk = payloads.slice(i, i + 4).map((p) => from.msg.publish(s.t.role === 'device' ? `live/down/${p}` : `live/${p}`, p, { qos, ...(qos > 0 && { deadlineMs }) }));
      sent.push(...(await Promise.allSettled(chunk)));
    }
    const failed = sent.find((x) => x.status === 'rejected');
    if (failed !== undefined) return `a QoS ${qos} publication of ${from.id} failed: ${String((failed as PromiseRejectedResult).reason)}`;
    const list = s.got.get(to.id)!;
    const all = await waitFor(() => payloads.every((p) => list.includes(p)), deadlineMs);
    if (!all) {
      if (s.t.role === 'device' && list.length === 0) return { unsupported: 'the device echoed nothing: it runs no live application (live/down/# published back on live/up/#)' };
      const missing = payloads.filter((p) => !list.includes(p));
      return `${to.id} did not get ${missing.length} of ${count} QoS ${qos} publications within ${deadlineMs} ms (first missing: ${missing[0]})`;
    }
    await sleep(200);
    if (qos === 2) {
      const twice = payloads.find((p) => list.filter((x) => x === p).length > 1);
      if (twice !== undefined) return `${to.id} got the QoS 2 publication ${twice} more than once`;
    }
  }
  return undefined;
}

const pubsub = (qos: QoS, refs: string[]): Check => ({
  name: `pubsub-qos${qos}`,
  comment: `publications at QoS ${qos} both ways through the target (a device: its live application echoes them), each taken${qos === 2 ? ' exactly once' : ''}`,
  refs,
  roles: ['hub', 'device'],
  run: (ctx) => pubsubRound(ctx, qos, `q${qos}`, 3),
});

/** Calls: the callee is the runner's second device (hub target) or the device itself (its `echo`). */
function rpc(name: string, comment: string, roles: Check['roles'], fn: (ctx: Ctx, caller: Ident, callee: string) => Promise<Verdict>): Check {
  return {
    name,
    comment,
    refs: ['SW-16.2-1'],
    roles,
    async run(ctx) {
      const s = ctx.side;
      if (s.t.role === 'hub' && ctx.shared.get('served') === undefined) {
        s.b.msg.serve('live.echo', (p) => p);
        s.b.msg.serve('live.fail', () => {
          throw Object.assign(new Error('failed on purpose'), { code: 'E_LIVE' });
        });
        ctx.shared.set('served', Promise.resolve());
      }
      return fn(ctx, s.a, s.t.role === 'hub' ? s.b.id : s.t.targetId);
    },
  };
}

const outcome = async (p: Promise<unknown>, want: new (...a: never[]) => Error, name: string): Promise<Verdict> => {
  try {
    const v = await p;
    return `the call returned ${JSON.stringify(v)}, not the outcome ${name}`;
  } catch (e) {
    return e instanceof want ? undefined : `the call failed with ${(e as Error).name}: ${(e as Error).message}, not the outcome ${name}`;
  }
};

const rpcChecks: Check[] = [
  rpc('rpc-ok', 'a call answered Ok with its value', ['hub', 'device'], async (ctx, caller, callee) => {
    const method = ctx.side.t.role === 'hub' ? 'live.echo' : 'echo';
    const v = await caller.msg.call(callee, method, 'live-params', { timeoutMs: 5000 });
    return v === 'live-params' ? undefined : `Ok with ${JSON.stringify(v)}, not the parameters echoed`;
  }),
  rpc('rpc-no-responder', 'a call to a method nobody serves: the outcome NoResponder', ['hub', 'device'], (_c, caller, callee) =>
    outcome(caller.msg.call(callee, 'live.none', null, { timeoutMs: 5000 }), RpcNoResponderError, 'NoResponder'),
  ),
  rpc('rpc-remote-error', 'a handler that throws: the outcome RemoteError', ['hub'], (_c, caller, callee) =>
    outcome(caller.msg.call(callee, 'live.fail', null, { timeoutMs: 5000 }), RpcRemoteError, 'RemoteError'),
  ),
  rpc('rpc-unreachable', 'a call to a node the hub cannot reach: the outcome Unreachable', ['hub'], (_c, caller) =>
    outcome(caller.msg.call('live-nobody', 'live.echo', null, { timeoutMs: 5000 }), RpcUnreachableError, 'Unreachable'),
  ),
];

const chaos: Check = {
  name: 'chaos',
  comment: 'QoS 2 publications under 20% loss, 5% duplication and 10% reordering both ways (the chaos proxy\'s fault model): each taken exactly once',
  refs: ['SW-14.3-1', 'SW-15.6-2'],
  roles: ['hub', 'device'],
  timeoutMs: 40_000,
  async run(ctx) {
    const s = ctx.side;
    for (const i of s.idents) i.tap.setFaults({ loss: 0.2, duplicate: 0.05, reorder: 0.1, reorderDelayMs: 40 });
    try {
      return await pubsubRound(ctx, 2, 'chaos', 10, 25_000);
    } finally {
      for (const i of s.idents) i.tap.setFaults(undefined);
    }
  },
};

/** One run of traffic towards the runner's first device that its declared limits bound (shared by the limit checks). */
function limitTraffic(ctx: Ctx): Promise<unknown> {
  let p = ctx.shared.get('limits');
  if (p === undefined) {
    p = (async () => {
      const s = ctx.side;
      await subscribed(ctx);
      const from = s.b;
      // QoS 0 on several topics, again and again: aliases; a long QoS 1 message: fragments; a burst: the window
      for (let round = 0; round < 3; round++) for (let t = 0; t < 4; t++) await from.msg.publish(`live/lim/t${t}`, `lim-${round}-${t}`, { qos: 0 });
      await sleep(200);
      await from.msg.publish('live/lim/long', `long-${'x'.repeat(1500)}`, { qos: 1, deadlineMs: 10_000 });
      // a burst while the first device's acknowledgements are held: a hub that honours its WINDOW waits
      s.a.tap.hold();
      const burst = Promise.all(Array.from({ length: 30 }, (_, i) => from.msg.publish(`live/lim/burst`, `burst-${i}`, { qos: 1, deadlineMs: 15_000 })));
      await sleep(400);
      s.a.tap.release();
      await burst;
      await waitFor(() => s.delivered('burst-') >= 30 * (s.a === s.b ? 1 : 2) || (s.got.get(s.a.id) ?? []).filter((x) => x.startsWith('burst-')).length >= 30, 15_000);
      await quiet(s);
    })();
    ctx.shared.set('limits', p);
  }
  return p;
}

const limit = (name: string, comment: string, refs: string[], ref: string): Check => ({
  name,
  comment,
  refs,
  roles: ['hub'],
  timeoutMs: 40_000,
  async run(ctx) {
    // the traffic comes from a second device (at the SDK's defaults) to the first (its small limits)
    if (ctx.side.a === ctx.side.b) return { unsupported: 'needs the site key (--site-file): a second device to send to the first' };
    await limitTraffic(ctx);
    const a = ctx.side.a;
    const f = checkCapture(a.view, a.tap.records, DECLARED).filter((x) => x.refs.includes(ref));
    if (ref === 'SW-15.7-3' && a.client!.pubsub.drops.alias > 0 && f.length === 0) return `${a.client!.pubsub.drops.alias} alias operations dropped by the runner`;
    return f.length === 0 ? undefined : f.map((x) => x.text).join('; ');
  },
});

const limits: Check[] = [
  limit('limit-datagram', `no datagram above the MAX_DATAGRAM (${DECLARED.maxDatagram}) the runner declared in SYNC`, ['SW-4.6-5', 'SW-15.5-8'], 'SW-4.6-5'),
  limit('limit-alias', `no alias above the MAX_ALIASES (${DECLARED.maxAliases}) the runner declared in SYNC`, ['SW-15.7-3'], 'SW-15.7-3'),
  limit('limit-window', `no reliable id beyond the WINDOW (${DECLARED.window}) the runner declared and acknowledged`, ['SW-14.12-14'], 'SW-14.12-14'),
  {
    name: 'device-declares',
    comment: 'the device declares a WINDOW of at most 8 in its SYNC and advertises no more in its ACKs',
    refs: ['SW-14.12-9'],
    roles: ['device'],
    async run(ctx) {
      const a = ctx.side.a;
      for (const r of a.tap.records) {
        if (r.dir !== 'in') continue;
        const o = a.view.open(r);
        for (const op of o?.ops ?? []) if (op.op === 'SYNC' && op.limits.window > 8) return `its SYNC declares a WINDOW of ${op.limits.window}`;
        for (const f of o?.frames ?? []) if (f.type === 'ACK' && f.window > 8) return `an ACK with WINDOW ${f.window}`;
      }
      return undefined;
    },
  },
];

export const MSG_CHECKS: readonly Check[] = [pubsub(0, ['SW-15.4-1']), pubsub(1, ['SW-15.4-1', 'SW-14.3-1']), pubsub(2, ['SW-15.6-2']), ...rpcChecks, chaos, ...limits];
