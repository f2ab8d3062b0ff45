/**
 * One time convention on the command line (issue 18): every duration flag takes a unit (500ms, 5s,
 * 2m, 1h); a bare number keeps the unit the flag had before units existed, so scripts keep working.
 */
import { describe, expect, it } from 'vitest';
import { parseArgs, parseDuration, UsageError, type Flags } from '../../src/cli/args.js';
import { call } from '../../src/cli/commands/call.js';
import { pub } from '../../src/cli/commands/pub.js';
import { sub } from '../../src/cli/commands/sub.js';
import { clientSettings } from '../../src/cli/endpoint.js';

describe('durations', () => {
  it('units, and bare numbers in the flag\'s old unit', () => {
    expect(parseDuration('500ms', '--timeout', 's', 1e9)).toBe(500);
    expect(parseDuration('5s', '--timeout', 'ms', 1e9)).toBe(5000);
    expect(parseDuration('1.5s', '--timeout', 'ms', 1e9)).toBe(1500);
    expect(parseDuration('2m', '--timeout', 'ms', 1e9)).toBe(120_000);
    expect(parseDuration('1h', '--timeout', 'ms', 1e9)).toBe(3_600_000);
    expect(parseDuration('5', '--connect-timeout', 's', 1e9)).toBe(5000);
    expect(parseDuration('0.25', '--connect-timeout', 's', 1e9)).toBe(250);
    expect(parseDuration('2000', '--timeout', 'ms', 1e9)).toBe(2000);
    for (const bad of ['0', '0s', '-1s', '5 x', 's', '1e3', '5sec', '']) expect(() => parseDuration(bad, '--timeout', 's', 1e9), bad).toThrow(UsageError);
    expect(() => parseDuration('2h', '--timeout', 's', 3_600_000)).toThrow(/--timeout must be a number greater than 0 and at most 3600 s/);
  });

  it('each command\'s duration flags', () => {
    const env = { HOME: '/home/u' };
    const base = ['--hub', '127.0.0.1:4000', '--id', 'd1', '--key', 'ab'.repeat(32)];
    const settings = (extra: string[]): number => clientSettings(parseArgs(pub.spec, [...base, '--topic', 't', '--message', 'm', ...extra]) as Flags, { env }).connectTimeoutMs;
    expect(settings(['--connect-timeout', '500ms'])).toBe(500);
    expect(settings(['--connect-timeout', '2'])).toBe(2000);
    expect(settings([])).toBe(5000);
    const callFlags = parseArgs(call.spec, [...base, '--to', 'x', '--method', 'm', '--timeout', '2s']) as Flags;
    expect(callFlags.duration('--timeout', 'ms', 86_400_000, 5000)).toBe(2000);
    const subFlags = parseArgs(sub.spec, [...base, '--topic', '#', '--timeout', '750ms']) as Flags;
    expect(subFlags.duration('--timeout', 's', 2e9)).toBe(750);
    for (const spec of [pub.spec, sub.spec, call.spec]) {
      for (const [name, f] of Object.entries(spec.flags)) if (/timeout|interval/.test(name)) expect(f.value, `${spec.name} ${name}`).toBe('DURATION');
    }
  });
});
