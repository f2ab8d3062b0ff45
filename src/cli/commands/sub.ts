/**
 * `saltwire sub`: prints the publications matching a filter, one line each, until --count of them
 * arrived (exit 0), --timeout passed (exit 2), or a signal (exit 0). The hub's grant (its SUBACK) is
 * the hub's answer: none within --connect-timeout fails with HubUnreachableError (exit 3), and
 * `subscribed` is printed only for a grant.
 * @module
 */
import { HubUnreachableError } from '../../errors.js';
import type { Messaging, Publication } from '../../messaging/api.js';
import type { QoS } from '../../messaging/ops.js';
import { UsageError } from '../args.js';
import { after, EXIT, type Command, type Io } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint } from '../endpoint.js';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The --json form of a publication. `encoding` says how `payload` is written. */
export interface PublicationJson {
  readonly topic: string;
  readonly payload: string;
  readonly encoding: 'utf8' | 'base64';
  readonly qos: QoS;
  readonly retained: boolean;
  readonly from: string;
}

/** The payload as text if it is well-formed UTF-8, else base64. */
export function publicationJson(p: Publication): PublicationJson {
  let payload: string;
  let encoding: 'utf8' | 'base64' = 'utf8';
  try {
    payload = strictUtf8.decode(p.payload);
  } catch {
    payload = Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength).toString('base64');
    encoding = 'base64';
  }
  return { topic: p.topic, payload, encoding, qos: p.qos, retained: p.retained, from: p.from };
}

/** How `sub` prints a publication. */
export interface OutputFormat {
  /** One JSON object per line (PublicationJson). */
  readonly json?: boolean;
  /** `TOPIC PAYLOAD`, as mosquitto_sub -v. */
  readonly verbose?: boolean;
  /** The payload as lowercase hex (binary payloads). */
  readonly hex?: boolean;
}

/**
 * The line printed for a publication: its text (ill-formed UTF-8 as U+FFFD) or its hex, after its
 * topic and a space with `verbose`; or with `json` one JSON object (`true`: the same).
 */
export function formatPublication(p: Publication, format: boolean | OutputFormat): string {
  const f: OutputFormat = typeof format === 'boolean' ? { json: format } : format;
  if (f.json === true) return JSON.stringify(publicationJson(p));
  const payload = f.hex === true ? Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength).toString('hex') : p.text();
  return f.verbose === true ? `${p.topic} ${payload}` : payload;
}

export interface SubOptions {
  readonly filter: string;
  readonly qos: QoS;
  /** Exit 0 after this many publications; undefined: run until stopped. */
  readonly count?: number;
  /** Exit 2 if `count` publications did not arrive within this many ms of the hub's grant. */
  readonly timeoutMs?: number;
  readonly json: boolean;
  /** `TOPIC PAYLOAD` lines (-v). */
  readonly verbose?: boolean;
  /** Payloads as hex. */
  readonly hex?: boolean;
  /**
   * Throw `error()` if the hub has not answered the subscription (granted or refused) within
   * `timeoutMs` of subscribing; undefined: wait for its answer as long as it takes.
   */
  readonly connect?: { readonly timeoutMs: number; readonly error: () => Error };
}

/**
 * Subscribes and prints until done; resolves with the exit code. A refused subscription throws
 * SubscriptionRefusedError; one the hub did not answer within `connect.timeoutMs`, `connect.error()`.
 * `subscribed FILTER qos N` goes to stderr when, and only when, the hub granted it.
 */
export async function subscribeAndPrint(m: Messaging, o: SubOptions, io: Pick<Io, 'out' | 'err' | 'stopped'>): Promise<number> {
  let n = 0;
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const stopped = io.stopped.then(() => EXIT.OK);
  // Publications can come before the SUBACK (they travel on another channel): they are the hub's.
  const sub = m.subscribe(o.filter, { qos: o.qos }, (p) => {
    if (o.count !== undefined && n >= o.count) return;
    io.out(formatPublication(p, o));
    if (++n === o.count) finish(EXIT.OK);
  });
  let granted = false;
  const connect = o.connect === undefined ? undefined : after(o.connect.timeoutMs, 'unanswered' as const);
  let timer: ReturnType<typeof after<number>> | undefined;
  try {
    const answer = sub.granted.then((qos) => ({ qos }));
    const first = await Promise.race([answer, done, stopped, ...(connect === undefined ? [] : [connect.promise])]);
    connect?.cancel();
    if (first === 'unanswered') throw o.connect!.error();
    if (typeof first === 'number') return first; // --count reached, or a signal, before the SUBACK
    granted = true;
    const q = first.qos;
    io.err(`subscribed ${o.filter} qos ${q}${q < o.qos ? ` (asked for ${o.qos})` : ''}`);
    if (o.timeoutMs !== undefined) timer = after(o.timeoutMs, EXIT.TIMEOUT); // counts from the grant
    const code = await Promise.race([done, stopped, ...(timer === undefined ? [] : [timer.promise])]);
    if (code === EXIT.TIMEOUT) io.err(`saltwire sub: timed out after ${o.timeoutMs! / 1000} s with ${n} of ${o.count ?? 'unlimited'} messages`);
    return code;
  } finally {
    connect?.cancel();
    timer?.cancel();
    if (granted) {
      const bound = after(1000, undefined); // an unanswered UNSUBSCRIBE must not hold the exit
      await Promise.race([sub.unsubscribe().catch(() => undefined), bound.promise]);
      bound.cancel();
    } else {
      void sub.unsubscribe().catch(() => undefined); // nothing granted to wait for: exit at once
    }
  }
}

export const sub: Command = {
  spec: {
    name: 'sub',
    summary: 'Subscribes to FILTER through the hub and prints each publication on one line.',
    flags: {
      ...CLIENT_FLAGS,
      '--topic': { value: 'FILTER', help: 'topic filter (+ one level, # the rest)', required: true },
      '--qos': { value: 'N', help: 'highest QoS wanted, 0, 1 or 2 (default 0)' },
      '--count': { value: 'N', help: 'exit 0 after N publications (default: run until SIGINT/SIGTERM)' },
      '--timeout': { value: 'DURATION', help: 'exit 2 if --count publications did not arrive within DURATION (30s, 500ms; a bare number is seconds) of the hub granting the subscription' },
      '--verbose': { short: '-v', help: 'print the topic, a space, then the payload (as mosquitto_sub -v)' },
      '--hex': { help: 'print payloads as lowercase hex (binary payloads)' },
      '--json': { help: 'print each publication as a JSON object (see below)' },
    },
    notes: [
      'Output: the payload as UTF-8 text per line (ill-formed UTF-8 shown as U+FFFD; --hex: as hex), after',
      '  its topic and a space with -v, or with --json',
      '  {"topic":T,"payload":P,"encoding":"utf8"|"base64","qos":0|1|2,"retained":BOOL,"from":ID}',
      '  where P is the payload as text when it is well-formed UTF-8 ("encoding":"utf8"), else base64.',
      '"subscribed FILTER qos N" goes to stderr once the hub granted the subscription, and only then.',
      'Exit codes: 0 after --count publications (or on SIGINT/SIGTERM), 1 usage or other error,',
      '  2 --timeout passed first, 3 the hub did not answer the subscription within --connect-timeout',
      '  (not running there, or a wrong key), 6 the hub refused the subscription (access control).',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const count = flags.has('--count') ? flags.int('--count', 1, Number.MAX_SAFE_INTEGER, 1) : undefined;
    const timeoutMs = flags.duration('--timeout', 's', 2_000_000_000);
    if (flags.bool('--json') && (flags.bool('--hex') || flags.bool('--verbose'))) throw new UsageError('--json has the topic and the payload already: not with -v or --hex');
    const o: SubOptions = {
      filter: flags.topic('--topic', 'filter'),
      qos: flags.qos('--qos'),
      json: flags.bool('--json'),
      verbose: flags.bool('--verbose'),
      hex: flags.bool('--hex'),
      ...(count === undefined ? {} : { count }),
      ...(timeoutMs === undefined ? {} : { timeoutMs: Math.round(timeoutMs) }),
    };
    const ep = await openEndpoint(settings, io.err);
    try {
      // subscribes before anything awaits: the Client's first SYNC carries the filter [SW-15.5-2]
      const ms = settings.connectTimeoutMs;
      return await subscribeAndPrint(ep.client, { ...o, connect: { timeoutMs: ms, error: () => new HubUnreachableError(settings.hubId, ep.client.hubAddress, ms) } }, io);
    } finally {
      await ep.close();
    }
  },
};
