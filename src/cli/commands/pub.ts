/**
 * `saltwire pub`: publishes a message one or more times, as one device session: from --message,
 * a file (--file, as bytes), standard input as one message (--stdin) or one message per line
 * (--stdin-lines), as mosquitto_pub's -m, -f, -s and -l.
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { Messaging } from '../../messaging/api.js';
import { UsageError } from '../args.js';
import type { QoS } from '../../messaging/ops.js';
import { EXIT, sleep, type Command, type Io } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint, readyOrStopped } from '../endpoint.js';

export interface PubOptions {
  readonly topic: string;
  readonly message: string | Uint8Array;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly repeat: number;
  readonly intervalMs: number;
}

/**
 * Publishes `repeat` times, the i-th at start + i * interval (or as soon as the previous one
 * resolved, if later); each QoS 1 or 2 publication is acknowledged before the next one. Resolves
 * with the exit code: 0 once all are sent, 1 when stopped by a signal first.
 */
export async function publishAll(m: Messaging, o: PubOptions, stopped: Promise<unknown>): Promise<number> {
  let stop = false;
  void stopped.then(() => (stop = true));
  const start = performance.now();
  for (let i = 0; i < o.repeat; i++) {
    const wait = start + i * o.intervalMs - performance.now();
    if (wait > 0) await Promise.race([sleep(wait), stopped]);
    if (stop) return EXIT.ERROR;
    const sent = m.publish(o.topic, o.message, { qos: o.qos, retain: o.retain });
    if ((await Promise.race([sent.then(() => 'sent' as const), stopped.then(() => 'stopped' as const)])) === 'stopped') return EXIT.ERROR;
  }
  return EXIT.OK;
}

const SOURCES = ['--message', '--file', '--stdin', '--stdin-lines'] as const;

/** The payload from the one source given (--stdin-lines: '' here, the lines come later). */
async function payloadOf(flags: import('../args.js').Flags, io: Io): Promise<string | Uint8Array> {
  const given = SOURCES.filter((s) => flags.has(s));
  if (given.length !== 1) throw new UsageError(given.length === 0 ? 'missing the payload: --message TEXT, --file FILE, --stdin or --stdin-lines' : `${given.join(' and ')}: give one payload source`);
  if (flags.has('--message')) return flags.require('--message');
  const file = flags.string('--file');
  if (file !== undefined) {
    try {
      return new Uint8Array(await readFile(file));
    } catch (e) {
      throw new UsageError(`--file: cannot read ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
    }
  }
  if (flags.bool('--stdin')) {
    const chunks: Uint8Array[] = [];
    for await (const c of io.stdin ?? []) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
    return new Uint8Array(Buffer.concat(chunks));
  }
  return '';
}

/** --stdin-lines: each line of standard input is published (with the options of `o`) as it comes. */
async function publishLines(m: Messaging, o: PubOptions, io: Io): Promise<number> {
  let rest = '';
  const decoder = new TextDecoder();
  for await (const c of io.stdin ?? []) {
    rest += typeof c === 'string' ? c : decoder.decode(c, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const code = await publishAll(m, { ...o, message: rest.slice(0, nl).replace(/\r$/, ''), repeat: 1 }, io.stopped);
      if (code !== EXIT.OK) return code;
      rest = rest.slice(nl + 1);
    }
  }
  return rest === '' ? EXIT.OK : publishAll(m, { ...o, message: rest, repeat: 1 }, io.stopped);
}

export const pub: Command = {
  spec: {
    name: 'pub',
    summary: 'Publishes TEXT to TOPIC through the hub, --repeat times, then exits 0 (QoS 1 and 2: once the hub acknowledged each).',
    flags: {
      ...CLIENT_FLAGS,
      '--topic': { value: 'TOPIC', help: 'topic name (no + or #)', required: true },
      '--message': { short: '-m', value: 'TEXT', help: 'the payload, sent as UTF-8 (may be empty)' },
      '--file': { short: '-f', value: 'FILE', help: 'the payload is the content of FILE, as bytes' },
      '--stdin': { short: '-s', help: 'the payload is all of standard input, as bytes' },
      '--stdin-lines': { short: '-l', help: 'publish each line of standard input as one message (without its newline), until it ends' },
      '--qos': { value: 'N', help: 'QoS 0, 1 or 2 (default 0)' },
      '--retain': { help: 'the hub keeps it as the retained message of TOPIC' },
      '--repeat': { value: 'N', help: 'publish N times (default 1)' },
      '--interval': { value: 'DURATION', help: 'time between two publications with --repeat (1s, 250ms; a bare number is ms; default 0)' },
    },
    notes: [
      'Publishes only once the hub answered (a QoS 0 publication has no answer of its own).',
      'Exit codes: 0 all sent, 1 usage or other error (e.g. a QoS 1/2 publication not acknowledged within 60 s),',
      '  3 the hub did not answer within --connect-timeout (not running there, or a wrong key),',
      '  6 the hub refused a QoS 1/2 publication by access control,',
      '  8 the hub refused a QoS 1/2 publication otherwise (over a retained quota or limit, or not made durable).',
      'A QoS 0 publication has no answer: a refused one still exits 0.',
    ].join('\n'),
  },
  async run(flags, io: Io) {
    const settings = clientSettings(flags, io);
    const o: PubOptions = {
      topic: flags.topic('--topic', 'name'),
      message: await payloadOf(flags, io),
      qos: flags.qos('--qos'),
      retain: flags.bool('--retain'),
      repeat: flags.int('--repeat', 1, 1_000_000_000, 1),
      intervalMs: flags.string('--interval') === '0' ? 0 : flags.duration('--interval', 'ms', 86_400_000, 0),
    };
    const lines = flags.bool('--stdin-lines');
    const ep = await openEndpoint(settings, io.err);
    try {
      const ready = await readyOrStopped(ep, io.stopped);
      const code = ready === 'stopped' ? EXIT.ERROR : lines ? await publishLines(ep.client, o, io) : await publishAll(ep.client, o, io.stopped);
      if (code !== EXIT.OK) io.err('saltwire pub: stopped before all messages were sent');
      return code;
    } finally {
      await ep.close();
    }
  },
};
