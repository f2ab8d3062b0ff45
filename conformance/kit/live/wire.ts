/**
 * What the live runner reads on the wire (its verdicts come from the capture, as the QUIC interop
 * runner's do): every datagram between one identity of the runner and the target, opened with the
 * pair key the runner holds. FULL datagrams name their epoch and BOOT; a SHORT one is tried under
 * every start of its sender seen so far. From that it checks, whatever the implementation's language:
 * no traffic key and counter sealed twice [SW-4.6-1], a higher epoch at every new start [SW-5.2-2],
 * and the runner's declared limits honoured [SW-15.5-8]: datagram length, alias, and reliable ids
 * within the WINDOW the runner declared or last acknowledged (14.5).
 * @module
 */
import { decodeFrames, deriveTrafficKey, nonceOf, parseHeader, toHex, tweetnaclSuite, type WireFrame } from '../../../src/core.js';
import { decodeOp } from '../../../src/messaging/op-codec.js';
import type { Op } from '../../../src/messaging/ops.js';
import type { TapRecord } from './tap.js';

const suite = tweetnaclSuite;

export interface Opened {
  readonly rec: TapRecord;
  readonly dir: 'in' | 'out';
  readonly form: 'FULL' | 'SHORT';
  readonly epoch: number;
  readonly boot: string;
  readonly counter: number;
  readonly frames: readonly WireFrame[] | undefined;
  /** Message-layer operations of whole (unfragmented) MSG frames on channels 0-15. */
  readonly ops: readonly Op[];
}

/** One identity of the runner (`self`) and the target (`peer`), with their pair key. */
export class WireView {
  private readonly keys = new Map<string, Uint8Array>();
  /** Starts seen per direction: "epoch/boot". */
  private readonly starts = { in: new Map<string, { epoch: number; boot: Uint8Array }>(), out: new Map<string, { epoch: number; boot: Uint8Array }>() };
  private readonly cache = new WeakMap<TapRecord, Opened | null>();

  constructor(
    readonly self: string,
    readonly peer: string,
    readonly pairKey: Uint8Array,
  ) {}

  /** The datagram opened, or undefined (not Saltwire, not for this pair, does not authenticate). */
  open(rec: TapRecord): Opened | undefined {
    const c = this.cache.get(rec);
    if (c !== undefined) return c ?? undefined;
    const o = this.tryOpen(rec);
    this.cache.set(rec, o ?? null);
    return o;
  }

  private tryOpen(rec: TapRecord): Opened | undefined {
    const d = rec.bytes;
    const h = parseHeader(d);
    if (typeof h === 'string') return undefined;
    const [sender, receiver] = rec.dir === 'in' ? [this.peer, this.self] : [this.self, this.peer];
    const starts = this.starts[rec.dir];
    let candidates: Array<{ epoch: number; boot: Uint8Array }>;
    if (h.form === 'FULL') {
      if (h.senderId !== sender || h.gen !== 0) return undefined;
      candidates = [{ epoch: h.epoch, boot: h.boot.slice() }];
    } else candidates = [...starts.values()].reverse();
    for (const s of candidates) {
      const id = `${rec.dir}/${s.epoch}/${toHex(s.boot)}`;
      let tk = this.keys.get(id);
      if (tk === undefined) this.keys.set(id, (tk = deriveTrafficKey(suite, this.pairKey, sender, receiver, s.epoch, s.boot)));
      const pt = suite.open(tk, nonceOf(d, h.form), d.subarray(h.length));
      if (pt === null) continue;
      starts.set(`${s.epoch}/${toHex(s.boot)}`, s);
      const frames = decodeFrames(pt);
      const ops: Op[] = [];
      for (const f of frames ?? []) {
        if (f.type !== 'MSG' || f.frag !== undefined || f.channel > 15) continue;
        const op = decodeOp(f.data);
        if (op !== undefined) ops.push(op);
      }
      return { rec, dir: rec.dir, form: h.form, epoch: s.epoch, boot: toHex(s.boot), counter: h.counter, frames, ops };
    }
    return undefined;
  }
}

/** Declared limits of the runner's identity (its SYNC), checked on what the target sends it. */
export interface Declared {
  readonly maxDatagram: number;
  readonly maxAliases: number;
  readonly window: number;
}

export interface WireFinding {
  readonly refs: readonly string[];
  readonly text: string;
}

/**
 * The invariants of a capture (records of one identity's tap, in order). `declared`: the runner's
 * limits, when it declared them to the target (a hub target).
 */
export function checkCapture(view: WireView, records: readonly TapRecord[], declared?: Declared): WireFinding[] {
  const out: WireFinding[] = [];
  const seen = new Map<string, number>();
  let lastStart: { epoch: number; boot: string } | undefined;
  let maxEpoch = 0;
  // reliable ids from the target, per start: the lowest seen, and our latest ACK's cum and window
  let base: number | undefined;
  let ack: { cum: number; window: number } | undefined;
  const once = new Set<string>();
  const add = (key: string, f: WireFinding): void => {
    if (once.has(key)) return;
    once.add(key);
    out.push(f);
  };
  for (const rec of records) {
    const o = view.open(rec);
    if (rec.dir === 'out') {
      for (const f of o?.frames ?? []) if (f.type === 'ACK') ack = { cum: f.cum, window: f.window };
      continue;
    }
    if (declared !== undefined && rec.bytes.length > declared.maxDatagram) {
      add('len', { refs: ['SW-15.5-8', 'SW-4.6-5'], text: `a datagram of ${rec.bytes.length} bytes, above the MAX_DATAGRAM of ${declared.maxDatagram} the runner declared` });
    }
    if (o === undefined) continue;
    const k = `${o.epoch}/${o.boot}/${o.counter}`;
    const n = (seen.get(k) ?? 0) + 1;
    seen.set(k, n);
    if (n === 2) add(`nonce${k}`, { refs: ['SW-4.6-1'], text: `counter ${o.counter} sealed twice under one traffic key (epoch ${o.epoch}, BOOT ${o.boot})` });
    if (lastStart === undefined || lastStart.epoch !== o.epoch || lastStart.boot !== o.boot) {
      if (lastStart !== undefined && o.form === 'FULL') {
        if (o.epoch < maxEpoch || (o.epoch === maxEpoch && o.boot !== lastStart.boot)) {
          add(`epoch${o.epoch}/${o.boot}`, { refs: ['SW-5.2-9'], text: `a new start (BOOT ${o.boot}) at epoch ${o.epoch}, not above the epoch ${maxEpoch} it used before` });
        }
      }
      if (o.form === 'FULL') {
        lastStart = { epoch: o.epoch, boot: o.boot };
        base = undefined;
        ack = undefined;
      }
    }
    maxEpoch = Math.max(maxEpoch, o.epoch);
    if (declared === undefined) continue;
    for (const f of o.frames ?? []) {
      if (f.type !== 'MSG' || f.id === undefined) continue;
      base = Math.min(base ?? f.id, f.id);
      const window = ack?.window ?? declared.window;
      const floor = Math.max(ack?.cum ?? base, base);
      if (f.id >= floor + window) add('window', { refs: ['SW-14.12-14', 'SW-15.5-8'], text: `reliable id ${f.id} sent while the runner had settled ids below ${floor} with a WINDOW of ${window}` });
    }
    for (const op of o.ops) {
      const alias = op.op === 'ALIAS' ? op.alias : op.op === 'PUBLISH' ? op.alias : undefined;
      if (alias !== undefined && alias > declared.maxAliases) add('alias', { refs: ['SW-15.7-3'], text: `${op.op} with alias ${alias}, above the MAX_ALIASES of ${declared.maxAliases} the runner declared` });
    }
  }
  return out;
}
