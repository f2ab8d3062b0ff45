/**
 * `saltwire sub`: prints the publications matching a filter, one line each, until --count of them
 * arrived (exit 0), --timeout passed (exit 2), or a signal (exit 0).
 * @module
 */
import type { Messaging, Publication } from '../../messaging/api.js';
import type { QoS } from '../../messaging/ops.js';
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

/** The line printed for a publication: its text (ill-formed UTF-8 as U+FFFD), or with --json one JSON object. */
export function formatPublication(p: Publication, json: boolean): string {
  return json ? JSON.stringify(publicationJson(p)) : p.text();
}

export interface SubOptions {
  readonly filter: string;
  readonly qos: QoS;
  /** Exit 0 after this many publications; undefined: run until stopped. */
  readonly count?: number;
  /** Exit 2 if `count` publications did not arrive within this many ms of subscribing. */
  readonly timeoutMs?: number;
  readonly json: boolean;
}

/** Subscribes and prints until done; resolves with the exit code. A refused subscription throws. */
export async function subscribeAndPrint(m: Messaging, o: SubOptions, io: Pick<Io, 'out' | 'err' | 'stopped'>): Promise<number> {
  let n = 0;
  let finish!: (code: number) => void;
  const done = new Promise<number>((r) => (finish = r));
  const sub = m.subscribe(o.filter, { qos: o.qos }, (p) => {
    if (o.count !== undefined && n >= o.count) return;
    io.out(formatPublication(p, o.json));
    if (++n === o.count) finish(EXIT.OK);
  });
  const timer = o.timeoutMs === undefined ? undefined : after(o.timeoutMs, EXIT.TIMEOUT);
  try {
    const granted = sub.granted.then((q) => {
      io.err(`subscribed ${o.filter} qos ${q}${q < o.qos ? ` (asked for ${o.qos})` : ''}`);
      return new Promise<number>(() => undefined); // granted: wait for the others
    });
    const code = await Promise.race([done, granted, io.stopped.then(() => EXIT.OK), ...(timer === undefined ? [] : [timer.promise])]);
    if (code === EXIT.TIMEOUT) io.err(`saltwire sub: timed out after ${o.timeoutMs! / 1000} s with ${n} of ${o.count ?? 'unlimited'} messages`);
    return code;
  } finally {
    timer?.cancel();
    const bound = after(1000, undefined); // an unanswered UNSUBSCRIBE must not hold the exit
    await Promise.race([sub.unsubscribe().catch(() => undefined), bound.promise]);
    bound.cancel();
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
      '--timeout': { value: 'SECONDS', help: 'exit 2 if --count publications did not arrive within SECONDS of subscribing' },
      '--json': { help: 'print each publication as a JSON object (see below)' },
    },
    notes: [
      'Output: the payload as UTF-8 text per line (ill-formed UTF-8 shown as U+FFFD), or with --json',
      '  {"topic":T,"payload":P,"encoding":"utf8"|"base64","qos":0|1|2,"retained":BOOL,"from":ID}',
      '  where P is the payload as text when it is well-formed UTF-8 ("encoding":"utf8"), else base64.',
      '"subscribed FILTER qos N" goes to stderr once the hub granted the subscription.',
      'Exit codes: 0 after --count publications (or on SIGINT/SIGTERM), 1 usage or other error,',
      '  2 --timeout passed first, 6 the hub refused the subscription (access control).',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const count = flags.has('--count') ? flags.int('--count', 1, Number.MAX_SAFE_INTEGER, 1) : undefined;
    const timeout = flags.positive('--timeout', 2_000_000);
    const o: SubOptions = {
      filter: flags.topic('--topic', 'filter'),
      qos: flags.qos('--qos'),
      json: flags.bool('--json'),
      ...(count === undefined ? {} : { count }),
      ...(timeout === undefined ? {} : { timeoutMs: Math.round(timeout * 1000) }),
    };
    const ep = await openEndpoint(settings);
    try {
      return await subscribeAndPrint(ep.client, o, io);
    } finally {
      await ep.close();
    }
  },
};
