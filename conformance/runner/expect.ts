/**
 * Evaluating expectations against the observation log. check() resolves to undefined when the
 * expectation holds, or to a one-line account of what was seen instead. Windows start at the
 * reference time (the last action, the scenario start, or a mark) and every wait ends at the
 * window's end at the latest.
 * @module
 */
import { sameHost, sleepUntil, type Log, type Sockets, type Traffic } from './observe.js';
import { describeFrames, frameTypes, type Actor } from './peer.js';
import type { Duration, EventFilter, Expectation, Match } from './scenario.js';

export interface ExpectContext {
  readonly log: Log;
  readonly sockets: Sockets;
  readonly actors: ReadonlyMap<string, Actor>;
  /** The time an expectation's window starts at. */
  ref(since: string | undefined): number;
  duration(d: Duration): number;
  /** True once the target process is gone (waits stop early). */
  targetGone(): boolean;
}

const dec = new TextDecoder();

/** Resolves to undefined if `e` holds, else to what was seen. */
export async function check(e: Expectation, c: ExpectContext): Promise<string | undefined> {
  switch (e.expect) {
    case 'datagram': {
      const from = c.ref(e.since);
      const end = from + c.duration(e.within);
      const hit = await c.log.waitFor(
        () => c.log.traffic.find((t) => t.t >= from && t.t <= end && t.socket === e.to && matches(t, e.match ?? {}, e.as, c)),
        end,
        c.targetGone,
      );
      return hit !== undefined ? undefined : `saw ${seen(c, from, e.to)}`;
    }
    case 'nothing': {
      const from = c.ref(e.since);
      await sleepUntil(from + c.duration(e.forMs));
      const bad = c.log.traffic.filter((t) => t.t >= from && (e.to === 'any' || t.socket === e.to) && (e.match === undefined || matches(t, e.match, undefined, c)));
      return bad.length === 0 ? undefined : `saw ${bad.length}: ${bad.slice(0, 4).map((t) => describe(t, from)).join('; ')}`;
    }
    case 'event': {
      const from = c.ref(e.since);
      const end = from + c.duration(e.within);
      const hit = await c.log.waitFor(() => c.log.events.find((l) => l.t >= from && l.t <= end && eventMatches(l.line, e, c)), end, c.targetGone);
      if (hit !== undefined) return undefined;
      const lines = c.log.events.filter((l) => l.t >= from && l.line['event'] !== 'stdout');
      return `saw ${lines.length} event(s)${lines.length === 0 ? '' : ': ' + lines.slice(0, 5).map((l) => JSON.stringify(l.line)).join(' ')}`;
    }
    case 'no-event': {
      const from = c.ref(e.since);
      await sleepUntil(from + c.duration(e.forMs));
      const bad = c.log.events.filter((l) => l.t >= from && eventMatches(l.line, e, c));
      return bad.length === 0 ? undefined : `saw ${bad.map((l) => JSON.stringify(l.line)).join(' ')}`;
    }
    case 'budget': {
      const from = c.ref(e.since ?? 'start');
      const sentTo = c.log.traffic.filter((t) => t.t >= from && t.socket === e.socket).reduce((n, t) => n + t.bytes.length, 0);
      const received = c.log.sent.filter((s) => s.t >= from && s.socket === e.socket).reduce((n, s) => n + s.bytes, 0);
      return sentTo <= e.factor * received ? undefined : `the target sent ${sentTo} bytes to ${e.socket}, having received ${received} from it`;
    }
  }
}

/** Whether datagram `t` was opened by an actor (`as`, if given) and satisfies `m`. */
export function matches(t: Traffic, m: Match, as: string | undefined, c: ExpectContext): boolean {
  const d = t.decoded;
  if (d === undefined || d.frames === undefined) return false;
  if (as !== undefined && d.actor !== as) return false;
  if (m.form !== undefined && d.form !== m.form) return false;
  const types = frameTypes(d);
  if (m.includes?.some((f) => !types.includes(f)) === true) return false;
  if (m.excludes?.some((f) => types.includes(f)) === true) return false;
  if (m.echo === 'mine') {
    const mine = c.actors.get(d.actor)?.myToken;
    if (mine === undefined || !d.frames.some((f) => f.type === 'ECHO' && sameBytes(f.token, mine))) return false;
  }
  if (m.text !== undefined && !d.frames.some((f) => f.type === 'DATAGRAM' && dec.decode(f.data) === m.text)) return false;
  if (m.newEpoch === true) {
    if (t.run === 0) return false;
    const before = c.log.traffic.filter((x) => x.run < t.run && x.decoded !== undefined).map((x) => x.decoded!.epoch);
    if (d.epoch <= Math.max(0, ...before)) return false;
  }
  return true;
}

function eventMatches(line: Readonly<Record<string, unknown>>, f: EventFilter, c: ExpectContext): boolean {
  if (line['event'] !== f.event) return false;
  if (f.peer !== undefined) {
    const id = c.actors.get(f.peer)?.id;
    if ((f.event === 'message' ? line['from'] : line['peer']) !== id) return false;
  }
  if (f.text !== undefined && line['text'] !== f.text) return false;
  if (f.validated !== undefined && line['validated'] !== f.validated) return false;
  if (f.change !== undefined && line['change'] !== f.change) return false;
  if (f.socket !== undefined) {
    const a = c.sockets.address(f.socket);
    if (Number(line['port']) !== a.port || typeof line['host'] !== 'string' || !sameHost(line['host'], a.host)) return false;
  }
  return true;
}

/** One datagram for a report: time since `from`, socket, form, epoch, counter, frames. */
export function describe(t: Traffic, from: number): string {
  const at = `+${Math.round(t.t - from)}ms ${t.socket}`;
  const d = t.decoded;
  if (d === undefined) return `${at} ${t.bytes.length} bytes not openable by any actor`;
  return `${at} ${d.form} e${d.epoch} c${d.counter} ${describeFrames(d)}`;
}

function seen(c: ExpectContext, from: number, socket: string): string {
  const ts = c.log.traffic.filter((t) => t.t >= from && t.socket === socket);
  return ts.length === 0 ? `no datagram to ${socket}` : `${ts.length} datagram(s) to ${socket}: ${ts.slice(0, 4).map((t) => describe(t, from)).join('; ')}`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

