/**
 * examples/ run as written (issue 18): each is started as a user starts it (`npx tsx examples/X.ts`,
 * importing 'saltwire' by name), over UDP loopback, and must print what its comment promises. Each
 * stays short enough to read at once (under 60 lines); `npm run typecheck` type-checks them.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey, toHex, tweetnaclSuite } from '../../src/index.js';
import { Cli, killAll, live } from '../cli/cli-process.js';
import { Mosquitto, MOSQUITTO } from '../bridge/mosquitto-proc.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const state = mkdtempSync(join(tmpdir(), 'sw-examples-'));
afterEach(killAll);
afterAll(() => rmSync(state, { recursive: true, force: true }));

function example(file: string, args: string[], env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'examples', file), ...args], {
    cwd: ROOT, // tsx reads tsconfig.json's paths there: 'saltwire' is src/index.ts
    env: { ...process.env, NODE_OPTIONS: '', XDG_STATE_HOME: state, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c = new Cli(child, [file, ...args]);
  live.add(c);
  return c;
}

describe('examples', () => {
  it('each is under 60 lines (the demos, *demo.ts, are longer: they narrate)', () => {
    const files = readdirSync(join(ROOT, 'examples')).filter((f) => f.endsWith('.ts') && !f.endsWith('demo.ts'));
    expect(files.length).toBeGreaterThanOrEqual(5);
    for (const f of files) expect(readFileSync(join(ROOT, 'examples', f), 'utf8').split('\n').length, f).toBeLessThan(60);
  });

  it('hub.ts, device.ts, rpc-service.ts and rpc-caller.ts over UDP loopback', async () => {
    const site = generateKey(tweetnaclSuite);
    const key = (id: string): string => toHex(deriveDeviceKey(tweetnaclSuite, site, id, 0));
    const hub = example('hub.ts', ['127.0.0.1:0'], { SALTWIRE_SITE_KEY: toHex(site) });
    const addr = (await hub.waitFor(/^listening (\S+)$/m, 15_000))[1]!;

    const device = example('device.ts', [addr, 'sensor-1'], { SALTWIRE_KEY: key('sensor-1') });
    const service = example('rpc-service.ts', [addr, 'thermo'], { SALTWIRE_KEY: key('thermo') });
    await device.waitFor(/^published \d+\.\d$/m, 15_000);
    await hub.waitFor(/^sensor-1 reachable$/m);
    await service.waitFor(/^serving reading, add$/m, 15_000);

    const caller = example('rpc-caller.ts', [addr, 'console', 'thermo'], { SALTWIRE_KEY: key('console') });
    expect(await caller.exit(15_000)).toBe(0);
    expect(caller.lines[0]).toMatch(/^reading: 21\.5 C at \d{4}-/);
    expect(caller.lines.slice(1)).toEqual(['add: 5', 'remote error: bad-params add needs { a: number, b: number }']);
    expect(service.stdout).toMatch(/reading asked by console/);

    for (const c of [device, service]) c.child.kill('SIGINT');
    expect(await device.exit()).toBe(0);
    expect(await service.exit()).toBe(0);
    hub.child.kill('SIGINT');
    await hub.waitFor(/^stopped$/m);
    expect(await hub.exit()).toBe(0);
  });

  it.skipIf(MOSQUITTO === undefined)('bridge.ts against the mosquitto binary: a reading out to MQTT, a command in to the device', async () => {
    const m = await Mosquitto.start(false);
    try {
      const c = example('bridge.ts', [`mqtt://127.0.0.1:${m.port}`]);
      expect(await c.exit(20_000)).toBe(0);
      expect(c.lines).toEqual(['mqtt got: sensors/sensor-1/temp 21.5', 'device got: led on']);
    } finally {
      await m.stop();
    }
  });

  it('reliable-lossy.ts: 200 messages over 20% loss, all delivered in order', async () => {
    const c = example('reliable-lossy.ts', []);
    expect(await c.exit(20_000)).toBe(0);
    expect(c.lines[0]).toBe('200 of 200 delivered, in order: true');
    expect(c.lines[1]).toMatch(/^lost by the network: [1-9]\d* datagrams/);
  });
});
