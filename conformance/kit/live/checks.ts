/**
 * The checks of live mode, in the order they run: first contact, a replay, bad datagrams dropped with
 * nothing sent back (and counted under the right reason where the target exposes its counters),
 * publish/subscribe and calls (checks-msg.ts), reliability under injected faults, the declared
 * limits, the amplification limit, a restart, and last the invariants of the whole capture.
 * A check returns undefined (pass), a string (what went wrong) or { unsupported }.
 * @module
 */
import { Actor } from '../../runner/peer.js';
import { junk } from '../../runner/junk.js';
import { deriveDeviceKey, tweetnaclSuite } from '../../../src/core.js';
import { UdpTransport } from '../../../src/index.js';
import { MSG_CHECKS, pubsubRound } from './checks-msg.js';
import type { LiveOptions } from './run.js';
import { opened, type Ident, type Side } from './side.js';
import type { TapRecord } from './tap.js';
import { checkCapture } from './wire.js';

export type Verdict = string | undefined | { unsupported: string };

export interface Ctx {
  readonly side: Side;
  readonly o: LiveOptions;
  /** Results shared between checks (one traffic run feeding several checks). */
  readonly shared: Map<string, Promise<unknown>>;
  readonly drops: (() => Promise<Record<string, number>>) | undefined;
  readonly restart: (() => Promise<void>) | undefined;
  /** When each restart command ran (performance.now()). */
  readonly restarts: Array<{ from: number; to: number }>;
}

export interface Check {
  readonly name: string;
  readonly comment: string;
  readonly refs: readonly string[];
  readonly roles: ReadonlyArray<'hub' | 'device'>;
  readonly timeoutMs?: number;
  /** The sentence of the requirement this checks, when it says more than that (its keyword sets the level). */
  readonly sentence?: string;
  run(ctx: Ctx): Promise<Verdict>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until no datagram moved either way for `ms` (at most `max`): acknowledgements settled. */
export async function quiet(side: Side, ms = 300, max = 4000): Promise<void> {
  const end = performance.now() + max;
  for (;;) {
    const last = Math.max(0, ...side.idents.map((i) => i.tap.records.at(-1)?.at ?? 0));
    const now = performance.now();
    if (now - last >= ms || now >= end) return;
    await sleep(Math.min(ms - (now - last) + 5, end - now));
  }
}

/**
 * Sends `bytes` raw from `who`'s socket while its node's own sends are held, and returns what the
 * target sent that socket in the next `ms`: for a datagram the target must drop, nothing [SW-6.3-1].
 */
export async function answers(ctx: Ctx, who: Ident, bytes: Uint8Array[], ms = 400): Promise<TapRecord[]> {
  await quiet(ctx.side);
  who.tap.hold();
  try {
    const t0 = performance.now();
    for (const b of bytes) await who.tap.sendRaw(b, ctx.side.targetAddress);
    await sleep(ms);
    return who.tap.records.filter((r) => r.dir === 'in' && r.at >= t0);
  } finally {
    who.tap.release();
  }
}

/** A sealer of datagrams under `who`'s identity at an epoch its node never used (never accepted: each is damaged). */
function prober(ctx: Ctx, who: Ident, foreign = false): Actor {
  const key = foreign ? deriveDeviceKey(tweetnaclSuite, new Uint8Array(32).fill(0xf0), who.id, 0) : who.view.pairKey;
  return new Actor({ name: 'probe', id: who.id, epoch: who.node.epoch + 1000 }, key, ctx.side.t.targetId);
}

const describe = (rs: TapRecord[]): string => rs.map((r) => `${r.bytes.length} bytes`).join(', ');

/** A datagram the target must drop (reason: the drop counter it must count it under, when it shows them). */
function dropCheck(name: string, comment: string, refs: string[], reason: string | undefined, make: (ctx: Ctx, who: Ident) => Uint8Array): Check {
  return {
    name,
    comment,
    refs,
    roles: ['hub', 'device'],
    async run(ctx) {
      const who = ctx.side.a;
      const before = await ctx.drops?.();
      const got = await answers(ctx, who, [make(ctx, who)]);
      if (got.length > 0) return `the target answered a datagram it must drop: ${describe(got)} within 400 ms`;
      if (before === undefined || reason === undefined) return undefined;
      const after = await ctx.drops!();
      const moved = Object.keys(after).filter((k) => (after[k] ?? 0) > (before[k] ?? 0));
      if (!moved.includes(reason)) return `silent, but counted under ${moved.join(', ') || 'no reason'}, not ${reason} (its drop counters)`;
      return undefined;
    },
  };
}

const firstContact: Check = {
  name: 'first-contact',
  comment: 'the target and the runner exchange authenticated datagrams: a hub answers each device\'s SYNC; a device sends its hub a SYNC at start',
  refs: ['SW-15.5-2'],
  roles: ['hub', 'device'],
  timeoutMs: 15_000,
  async run(ctx) {
    const s = ctx.side;
    if (s.t.role === 'hub') {
      for (const i of s.idents) {
        try {
          await i.client!.ready({ timeoutMs: 10_000 });
        } catch (e) {
          return `${i.id}: no authenticated answer from the hub within 10 s (${(e as Error).message})`;
        }
      }
      return undefined;
    }
    const end = performance.now() + 10_000;
    while (performance.now() < end) {
      if (opened(s.a).some((o) => o.dir === 'in' && o.ops.some((op) => op.op === 'SYNC'))) return undefined;
      await s.a.tap.next(200);
    }
    return 'no SYNC from the device within 10 s (is it configured to send to the runner\'s --listen address, with the key the runner holds?)';
  },
};

const replay: Check = {
  name: 'replay',
  comment: 'a datagram the target took, sent again: dropped (REPLAY), nothing sent back, nothing delivered twice',
  refs: ['SW-5.4-1', 'SW-6.3-1'],
  roles: ['hub', 'device'],
  async run(ctx) {
    const s = ctx.side;
    const tag = `replay-${Date.now() % 100000}`;
    const first = await pubsubRound(ctx, 0, tag, 1);
    if (typeof first === 'object' && first !== null && 'unsupported' in first) {
      // no application echo: replay a datagram that carried a PING instead
      return replayPing(ctx);
    }
    if (first !== undefined) return `before the replay: ${first}`;
    const genuine = opened(s.a).filter((o) => o.dir === 'out' && !o.rec.raw && o.ops.some((op) => op.op === 'PUBLISH' && new TextDecoder().decode(op.payload).startsWith(tag))).at(-1)?.rec;
    if (genuine === undefined) return 'the runner found no datagram of its own that carried its publication';
    const before = await ctx.drops?.();
    const n0 = ctx.side.delivered(tag);
    const got = await answers(ctx, s.a, [genuine.bytes]);
    if (got.length > 0) return `the target answered a replayed datagram: ${describe(got)} within 400 ms`;
    await sleep(300);
    if (ctx.side.delivered(tag) > n0) return `the replayed publication was delivered again (${ctx.side.delivered(tag) - n0} more)`;
    if (before !== undefined) {
      const after = await ctx.drops!();
      if ((after['REPLAY'] ?? 0) <= (before['REPLAY'] ?? 0)) return 'silent, but not counted as REPLAY (its drop counters)';
    }
    return undefined;
  },
};

/** Without a delivery to count: a datagram of the runner's that carried a reliable message, sent again (taken, it would be acknowledged). */
async function replayPing(ctx: Ctx): Promise<Verdict> {
  const s = ctx.side;
  const genuine = opened(s.a).filter((o) => o.dir === 'out' && !o.rec.raw && (o.frames ?? []).some((f) => f.type === 'MSG' && f.id !== undefined)).at(-1)?.rec;
  if (genuine === undefined) return { unsupported: 'no datagram of the runner\'s carried a reliable message to replay' };
  const got = await answers(ctx, s.a, [genuine.bytes]);
  return got.length > 0 ? `the target answered a replayed datagram: ${describe(got)} within 400 ms` : undefined;
}

const junkChecks: Check[] = [
  dropCheck('drop-random', '48 random bytes: dropped, nothing sent back', ['SW-6.3-1'], undefined, () => tweetnaclSuite.randomBytes(48)),
  dropCheck('drop-bad-version', 'VERSION 10: dropped as BAD_VERSION, nothing sent back', ['SW-4.2-2', 'SW-6.3-1'], 'BAD_VERSION', (c, w) => junk('bad-version', prober(c, w), c.side.t.targetId)),
  dropCheck('drop-bad-form', 'FORM 11: dropped as BAD_FORM, nothing sent back', ['SW-4.2-2', 'SW-6.3-1'], 'BAD_FORM', (c, w) => junk('bad-form', prober(c, w), c.side.t.targetId)),
  dropCheck('drop-truncated', 'a genuine datagram less its last byte: dropped as AUTH, nothing sent back', ['SW-4.5-2', 'SW-6.3-1'], 'AUTH', (c, w) => junk('truncated', prober(c, w), c.side.t.targetId)),
  dropCheck('drop-flipped-tag', 'one bit of the tag flipped: dropped as AUTH, nothing sent back', ['SW-4.5-2', 'SW-6.3-1'], 'AUTH', (c, w) => junk('flip-tag', prober(c, w), c.side.t.targetId)),
  dropCheck('drop-wrong-key', 'sealed under another site\'s key: dropped as AUTH, nothing sent back', ['SW-4.5-2', 'SW-6.3-1'], 'AUTH', (c, w) =>
    prober(c, w, true).seal([{ type: 'PING' }, { type: 'CHALLENGE' }], 'FULL').slice(),
  ),
];

const amplification: Check = {
  name: 'amplification',
  comment: 'a first datagram from a new address asking for answers: at most AMPLIFICATION_FACTOR (3) times its bytes sent back there',
  refs: ['SW-10.3-1'],
  roles: ['hub'],
  async run(ctx) {
    const t = ctx.side.t;
    if (t.siteKey === undefined) return { unsupported: 'needs the site key (--site-file): a new identity at a new address' };
    const id = `${t.id}-amp`;
    const actor = new Actor({ name: 'amp', id, epoch: 1 }, deriveDeviceKey(tweetnaclSuite, t.siteKey, id, 0), t.targetId);
    const udp = await UdpTransport.bind({ host: t.address.host.includes(':') ? '::' : '0.0.0.0', port: 0 });
    let back = 0;
    udp.onReceive((d) => void (back += d.length));
    try {
      const d = actor.seal([{ type: 'PING' }, { type: 'CHALLENGE' }], 'FULL');
      await udp.send(d, t.address);
      await sleep(1000);
      if (back > 3 * d.length) return `${back} bytes sent back to an unvalidated address that sent ${d.length}`;
      return undefined;
    } finally {
      await udp.close();
    }
  },
};

const restart: Check = {
  name: 'restart',
  comment: 'the target restarts (--restart-command): it comes back under a new start and the runner\'s traffic flows again',
  refs: ['SW-12.2-1', 'SW-15.5-2'],
  roles: ['hub', 'device'],
  timeoutMs: 40_000,
  async run(ctx) {
    if (ctx.restart === undefined) return { unsupported: 'no --restart-command' };
    const s = ctx.side;
    const starts = (): Set<string> => new Set(opened(s.a).flatMap((o) => (o.dir === 'in' && o.form === 'FULL' ? [`${o.epoch}/${o.boot}`] : [])));
    const before = starts();
    await ctx.restart();
    const round = await pubsubRound(ctx, 1, `restart-${Date.now() % 100000}`, 1, ctx.o.restartRecoveryMs ?? 10_000);
    if (typeof round === 'string') return `after the restart: ${round}`;
    const after = [...starts()].filter((x) => !before.has(x));
    if (after.length === 0) return 'no datagram of a new start came from the target after its restart';
    return undefined;
  },
};

const captureChecks: Check[] = [
  {
    name: 'wire-nonce',
    comment: 'in the whole capture: no counter sealed twice under one traffic key (restarts included)',
    refs: ['SW-4.6-1'],
    roles: ['hub', 'device'],
    async run(ctx) {
      const f = ctx.side.idents.flatMap((i) => checkCapture(i.view, i.tap.records)).filter((x) => x.refs.includes('SW-4.6-1'));
      return f.length === 0 ? undefined : f.map((x) => x.text).join('; ');
    },
  },
  {
    name: 'wire-epoch',
    comment: 'in the whole capture: every new start of the target under an epoch above every epoch it used before',
    refs: ['SW-5.2-9'],
    roles: ['hub', 'device'],
    async run(ctx) {
      const f = ctx.side.idents.flatMap((i) => checkCapture(i.view, i.tap.records)).filter((x) => x.refs.includes('SW-5.2-9'));
      // a restart the runner made: every epoch after it above every epoch before (even under the same BOOT)
      for (const r of ctx.restarts) {
        for (const i of ctx.side.idents) {
          const full = opened(i).filter((o) => o.dir === 'in' && o.form === 'FULL');
          const before = Math.max(0, ...full.filter((o) => o.rec.at < r.from).map((o) => o.epoch));
          const after = full.find((o) => o.rec.at > r.to && o.epoch <= before);
          if (after !== undefined) f.push({ refs: ['SW-5.2-9'], text: `after the restart, epoch ${after.epoch}, not above the epoch ${before} used before it` });
        }
      }
      return f.length === 0 ? undefined : f.map((x) => x.text).join('; ');
    },
  },
  {
    name: 'wire-frame-order',
    comment: 'in the whole capture: peer frames in the order INDEX, ECHO, CHALLENGE, PING, DATAGRAM',
    refs: ['SW-9.4-2'],
    sentence: 'A sender SHOULD order frames',
    roles: ['hub', 'device'],
    async run(ctx) {
      const order = ['INDEX', 'ECHO', 'CHALLENGE', 'PING', 'DATAGRAM'];
      for (const i of ctx.side.idents) {
        for (const r of i.tap.records) {
          if (r.dir !== 'in') continue;
          const ranks = (i.view.open(r)?.frames ?? []).map((f) => order.indexOf(f.type)).filter((k) => k >= 0);
          if (ranks.some((k, j) => j > 0 && k < ranks[j - 1]!)) return `a datagram with its frames in the order ${(i.view.open(r)?.frames ?? []).map((f) => f.type).join(', ')}`;
        }
      }
      return undefined;
    },
  },
];

export const CHECKS: readonly Check[] = [firstContact, replay, ...junkChecks, ...MSG_CHECKS, amplification, restart, ...captureChecks];
