import { describe, expect, it } from 'vitest';
import { AccessDeniedError, PublicationRefusedError } from '../../src/pubsub/errors.js';
import {
  commandUsage,
  parseArgs,
  parseArgsOptions,
  parseHostPort,
  parseInteger,
  parseKey,
  parseNodeId,
  parsePositive,
  parseQos,
  parseTopic,
  UsageError,
  type CommandSpec,
  type Flags,
} from '../../src/cli/args.js';
import { EXIT, exitCodeFor, type Io } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';
import { HubUnreachableError, InvalidArgumentError, SaltwireError } from '../../src/errors.js';
import {
  RpcCancelledError,
  RpcNoResponderError,
  RpcRejectedError,
  RpcRemoteError,
  RpcTimeoutError,
  RpcUnreachableError,
} from '../../src/rpc/errors.js';
import { deriveDeviceKey } from '../../src/crypto/keys.js';
import { defaultCryptoSuite } from '../../src/node/crypto.js';
import { fromHex, toHex } from '../../src/util/bytes.js';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  flags: {
    '--hub': { value: 'HOST:PORT', help: 'hub', required: true },
    '--qos': { value: 'N', help: 'qos' },
    '--json': { help: 'json' },
    '--message': { value: 'TEXT', help: 'text' },
  },
};

const flagsOf = (argv: string[]): Flags => {
  const f = parseArgs(SPEC, argv);
  if (f === 'help') throw new Error('unexpected help');
  return f;
};
const usageError = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return (e as Error).message;
  }
  throw new Error('expected a UsageError');
};
const KEY = '0a'.repeat(32);

describe('parseArgs', () => {
  it('reads --flag value, --flag=value and booleans', () => {
    const f = flagsOf(['--hub', '127.0.0.1:4000', '--qos=1', '--json', '--message=--x=y']);
    expect(f.string('--hub')).toBe('127.0.0.1:4000');
    expect(f.qos('--qos')).toBe(1);
    expect(f.bool('--json')).toBe(true);
    expect(f.string('--message')).toBe('--x=y');
    expect(f.has('--message')).toBe(true);
    expect(flagsOf(['--hub', 'h:1', '--message', '']).string('--message')).toBe('');
  });

  it('returns help for --help or -h anywhere', () => {
    expect(parseArgs(SPEC, ['--help'])).toBe('help');
    expect(parseArgs(SPEC, ['--bogus', '-h'])).toBe('help');
  });

  it('names the flag in every error', () => {
    expect(usageError(() => parseArgs(SPEC, ['--hub', 'h:1', '--nope']))).toMatch(/unknown flag --nope for "saltwire demo"/);
    expect(usageError(() => parseArgs(SPEC, ['--qos', '1']))).toBe('missing --hub HOST:PORT');
    expect(usageError(() => parseArgs(SPEC, ['--hub']))).toMatch(/^--hub needs a value HOST:PORT/);
    expect(usageError(() => parseArgs(SPEC, ['--hub', '--json']))).toMatch(/--hub needs a value.*--hub=VALUE/);
    expect(usageError(() => parseArgs(SPEC, ['--hub', 'a:1', '--hub', 'b:1']))).toBe('--hub is given twice');
    expect(usageError(() => parseArgs(SPEC, ['--hub', 'a:1', 'stray']))).toMatch(/unexpected argument "stray"/);
    expect(usageError(() => parseArgs(SPEC, ['--hub', 'a:1', '--json=yes']))).toBe('--json takes no value');
  });

  it('is node:util parseArgs configured from the same table as --help and completion (issue 18)', () => {
    const spec: CommandSpec = { ...SPEC, flags: { ...SPEC.flags, '--verbose': { short: '-v', help: 'v' } } };
    expect(parseArgsOptions(spec)).toEqual({
      hub: { type: 'string' },
      qos: { type: 'string' },
      json: { type: 'boolean' },
      message: { type: 'string' },
      verbose: { type: 'boolean', short: 'v' },
    });
    const parse = (argv: string[]): Flags => parseArgs(spec, argv) as Flags;
    // what the hand parser did not take: -v in a group, a value starting with one dash, `--`
    expect(parse(['--hub', 'h:1', '-v', '--message', '-1']).string('--message')).toBe('-1');
    expect(parse(['--hub', 'h:1', '-v']).bool('--verbose')).toBe(true);
    expect(usageError(() => parse(['--hub', 'h:1', '-v', '--verbose']))).toBe('--verbose is given twice');
    expect(usageError(() => parse(['--hub', 'h:1', '-x']))).toBe('unknown flag -x for "saltwire demo" (see saltwire demo --help)');
    expect(usageError(() => parse(['--hub', 'h:1', '-j']))).toMatch(/^unknown flag -j /); // never --json's short
    expect(usageError(() => parse(['--hub', 'h:1', '--', '--json']))).toMatch(/^unexpected argument "--json"/);
    const pos: CommandSpec = { ...SPEC, positional: { name: 'X', help: 'x' } };
    expect((parseArgs(pos, ['--hub', 'h:1', '--', '-ab']) as Flags).positional()).toBe('-ab');
    expect(usageError(() => parseArgs(pos, ['--hub', 'h:1', 'a', 'b']))).toMatch(/^unexpected argument "b"/);
  });

  it('usage lists the required flags in the synopsis and every flag', () => {
    const u = commandUsage(SPEC);
    expect(u.split('\n')[0]).toBe('usage: saltwire demo --hub HOST:PORT [options]');
    for (const f of ['--hub HOST:PORT', '--qos N', '--json', '--message TEXT', '--help']) expect(u).toContain(f);
  });
});

describe('value validation', () => {
  it('keys: 64 hex characters, errors for bad hex and bad length', () => {
    expect(toHex(parseKey(KEY.toUpperCase(), '--key'))).toBe(KEY);
    expect(usageError(() => parseKey('ab'.repeat(31), '--key'))).toBe('--key must be 64 hex characters (a 32-byte key), got 62');
    expect(usageError(() => parseKey('ab'.repeat(33), '--key'))).toMatch(/got 66/);
    expect(usageError(() => parseKey(`${'ab'.repeat(31)}zz`, '--key'))).toMatch(/^--key is not hex: "z" at position 63/);
  });

  it('the key may come from the environment, named in errors', () => {
    const f = flagsOf(['--hub', 'h:1']);
    expect(toHex(f.key('--key', { name: 'SALTWIRE_KEY', value: KEY }))).toBe(KEY);
    expect(usageError(() => f.key('--key', { name: 'SALTWIRE_KEY', value: 'abc' }))).toMatch(/^SALTWIRE_KEY \(environment\) must be 64 hex/);
    expect(usageError(() => f.key('--key', { name: 'SALTWIRE_KEY', value: undefined }))).toBe('missing --key HEX (or environment variable SALTWIRE_KEY)');
  });

  it('node ids', () => {
    expect(parseNodeId('pump-3_A', '--id')).toBe('pump-3_A');
    expect(usageError(() => parseNodeId('a/b', '--id'))).toMatch(/^--id: invalid node id "a\/b": expected 1 to 32 characters/);
    expect(() => parseNodeId('x'.repeat(33), '--id')).toThrow(UsageError);
    expect(() => parseNodeId('', '--to')).toThrow(/--to/);
  });

  it('topics: names refuse wildcards, filters allow them in place', () => {
    expect(parseTopic('a/b', '--topic', 'name')).toBe('a/b');
    expect(parseTopic('a/+/#', '--topic', 'filter')).toBe('a/+/#');
    expect(usageError(() => parseTopic('a/+', '--topic', 'name'))).toBe(`--topic: invalid topic name "a/+": a topic name must not contain '+'`);
    expect(usageError(() => parseTopic('a/#/b', '--topic', 'filter'))).toMatch(/^--topic: invalid topic filter "a\/#\/b"/);
    expect(usageError(() => parseTopic('', '--topic', 'filter'))).toMatch(/must not be empty/);
  });

  it('QoS 0-2', () => {
    expect([parseQos('0', '--qos'), parseQos('1', '--qos'), parseQos('2', '--qos')]).toEqual([0, 1, 2]);
    for (const bad of ['3', '-1', '1.0', 'one', '']) expect(usageError(() => parseQos(bad, '--qos'))).toMatch(/^--qos must be 0, 1 or 2/);
  });

  it('HOST:PORT, with IPv6 in brackets and host names', () => {
    expect(parseHostPort('127.0.0.1:4000', '--hub')).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(parseHostPort('[::1]:4000', '--hub')).toEqual({ host: '::1', port: 4000 });
    expect(parseHostPort('localhost:1', '--hub')).toEqual({ host: 'localhost', port: 1 });
    expect(parseHostPort('0.0.0.0:0', '--listen', { allowZero: true })).toEqual({ host: '0.0.0.0', port: 0 });
    expect(usageError(() => parseHostPort('127.0.0.1', '--hub'))).toMatch(/^--hub must be HOST:PORT .*no port/);
    expect(usageError(() => parseHostPort('127.0.0.1:0', '--hub'))).toMatch(/from 1 to 65535/);
    expect(usageError(() => parseHostPort('127.0.0.1:70000', '--hub'))).toMatch(/from 1 to 65535/);
    expect(usageError(() => parseHostPort('127.0.0.1:x', '--hub'))).toMatch(/not a number/);
    expect(usageError(() => parseHostPort('::1:4000', '--hub'))).toMatch(/brackets/);
    expect(usageError(() => parseHostPort('localhost:4000', '--listen', { literalIp: true }))).toMatch(/must be an IP address/);
  });

  it('integers and positive numbers', () => {
    expect(parseInteger('10', '--count', 1, 100)).toBe(10);
    expect(usageError(() => parseInteger('0', '--count', 1, 100))).toBe('--count must be an integer from 1 to 100, got "0"');
    expect(() => parseInteger('1e3', '--count', 1, 10_000)).toThrow(UsageError);
    expect(parsePositive('0.5', '--timeout', 10)).toBe(0.5);
    expect(() => parsePositive('0', '--timeout', 10)).toThrow(/--timeout must be a number greater than 0/);
    expect(() => parsePositive('-1', '--timeout', 10)).toThrow(UsageError);
  });
});

describe('exit codes', () => {
  it('maps RPC outcomes to 3-7, a hub that did not answer to 3, a subscription or publication refused by access control to 6, another refused publication to 8, anything else to 1', () => {
    expect(exitCodeFor(new HubUnreachableError('hub', '127.0.0.1:4000', 5000))).toBe(EXIT.UNREACHABLE);
    expect(exitCodeFor(new RpcUnreachableError('d'))).toBe(3);
    expect(exitCodeFor(new RpcNoResponderError('d', 'm'))).toBe(4);
    expect(exitCodeFor(new RpcTimeoutError('d', 'm', 100, false))).toBe(5);
    expect(exitCodeFor(new RpcRejectedError('d', 'm', 'denied'))).toBe(6);
    expect(exitCodeFor(new RpcRemoteError('d', 'm', 'boom', 'it broke'))).toBe(7);
    expect(exitCodeFor(new RpcCancelledError('d', 'm', undefined))).toBe(1);
    expect(exitCodeFor(new SaltwireError('ERR_SUBSCRIPTION_REFUSED', 'no'))).toBe(EXIT.REJECTED);
    expect(exitCodeFor(new AccessDeniedError('t'))).toBe(6); // [SW-15.4-4]
    expect(exitCodeFor(new PublicationRefusedError('t', 0x82))).toBe(8);
    expect(exitCodeFor(new PublicationRefusedError('t', 0x83))).toBe(8);
    expect(exitCodeFor(new UsageError('x'))).toBe(1);
    expect(exitCodeFor(new InvalidArgumentError('x'))).toBe(1);
    expect(exitCodeFor(new Error('x'))).toBe(1);
    expect(EXIT).toEqual({ OK: 0, ERROR: 1, TIMEOUT: 2, UNREACHABLE: 3, REJECTED: 6, REFUSED: 8 });
  });
});

/** run() with captured output. */
async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: {}, stopped: new Promise(() => undefined) };
  const code = await run(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('run', () => {
  it('keygen prints 64 lowercase hex characters, a new key each time', async () => {
    const a = await runCli(['keygen']);
    const b = await runCli(['keygen']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^[0-9a-f]{64}$/);
    expect(b.out).not.toBe(a.out);
  });

  it('derive prints DK(id, gen)', async () => {
    const r = await runCli(['derive', '--site', KEY, '--device', 'pump-1', '--gen', '2']);
    expect(r).toEqual({
      code: 0,
      out: toHex(deriveDeviceKey(defaultCryptoSuite(), fromHex(KEY), 'pump-1', 2)),
      err: 'warning: --site puts the site key in the process list and shell history: use --site-file FILE or SALTWIRE_SITE_KEY',
    });
  });

  it('errors: one line naming the problem, then the usage, exit 1', async () => {
    const r = await runCli(['derive', '--site', 'abcd', '--device', 'x']);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.split('\n')[0]).toBe('saltwire derive: --site must be 64 hex characters (a 32-byte key), got 4');
    expect(r.err).toContain('usage: saltwire derive --device ID [options]');
    expect((await runCli(['derive', '--site', KEY, '--device', 'x', '--gen', '256'])).err).toMatch(/--gen must be an integer from 0 to 255/);
    expect((await runCli(['frobnicate'])).err).toMatch(/^saltwire: unknown command "frobnicate"/);
    expect((await runCli(['frobnicate'])).code).toBe(1);
  });

  it('--help: the general usage and each command (exit 0); no command: usage on stderr, exit 1', async () => {
    expect(await runCli(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('saltwire <command>') });
    expect(await runCli([])).toMatchObject({ code: 1, out: '', err: expect.stringContaining('saltwire <command>') });
    expect(await runCli(['keygen', '--help'])).toMatchObject({ code: 0, out: expect.stringContaining('usage: saltwire keygen') });
  });
});
