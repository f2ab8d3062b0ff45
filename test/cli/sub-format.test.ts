/** `sub` output (issue 18): -v puts the topic first (as mosquitto_sub -v), --hex shows binary payloads. */
import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError, type Flags } from '../../src/cli/args.js';
import { formatPublication, sub } from '../../src/cli/commands/sub.js';
import type { Publication } from '../../src/messaging/api.js';

const pub = (topic: string, payload: Uint8Array): Publication => ({
  topic, payload, qos: 0, retained: false, from: 'd', text: () => new TextDecoder().decode(payload), json: () => JSON.parse(new TextDecoder().decode(payload)) as never,
});

describe('sub output', () => {
  it('-v: TOPIC PAYLOAD; --hex: the payload in hex; both together', () => {
    const p = pub('sensors/s1/temp', new TextEncoder().encode('21.5'));
    expect(formatPublication(p, { verbose: true })).toBe('sensors/s1/temp 21.5');
    const bin = pub('raw/s1', new Uint8Array([0, 0xff, 0x10]));
    expect(formatPublication(bin, { hex: true })).toBe('00ff10');
    expect(formatPublication(bin, { hex: true, verbose: true })).toBe('raw/s1 00ff10');
    expect(formatPublication(p, {})).toBe('21.5');
  });

  it('-v is the short form of --verbose; --json with -v or --hex is a usage error', async () => {
    const base = ['--hub', '127.0.0.1:4000', '--id', 'd1', '--topic', '#'];
    expect((parseArgs(sub.spec, [...base, '-v']) as Flags).bool('--verbose')).toBe(true);
    const flags = parseArgs(sub.spec, [...base, '--json', '--hex']) as Flags;
    await expect(sub.run(flags, { out: () => undefined, err: () => undefined, env: { SALTWIRE_KEY: 'ab'.repeat(32) }, stopped: new Promise(() => undefined) })).rejects.toThrow(UsageError);
  });
});
