/**
 * `pub` payload sources (issue 18), as mosquitto_pub's -m, -f, -s and -l: a file as bytes, standard
 * input as one message or one message per line. In-process against a hub on UDP loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/main.js';
import { deriveDeviceKey, generateKey, startClient, startHub, toHex, tweetnaclSuite, type Client, type Hub, type Publication } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-pub-src-'));
const site = generateKey(tweetnaclSuite);
const key = (id: string): string => toHex(deriveDeviceKey(tweetnaclSuite, site, id, 0));
let hub: Hub;
let watcher: Client;
const got: Publication[] = [];
let addr = '';

beforeAll(async () => {
  hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(tmp, 'hub') });
  addr = `127.0.0.1:${hub.node.local.port}`;
  watcher = await startClient({ hub: addr, id: 'watcher', key: key('watcher'), stateDir: join(tmp, 'watcher') });
  await watcher.subscribe('in/#', { qos: 1 }, (p) => got.push(p)).granted;
});
afterAll(async () => {
  await watcher.close();
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function pub(args: string[], stdin: Array<string | Uint8Array> = []): Promise<{ code: number; err: string[] }> {
  const err: string[] = [];
  async function* input(): AsyncIterable<string | Uint8Array> {
    yield* stdin;
  }
  const io = { out: () => undefined, err: (l: string) => void err.push(l), env: { XDG_STATE_HOME: tmp, SALTWIRE_KEY: key('src') }, stdin: input(), stopped: new Promise<string>(() => undefined) };
  return { code: await run(['pub', '--hub', addr, '--id', 'src', '--qos', '1', ...args], io), err };
}

const until = async (n: number): Promise<void> => {
  for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
};

describe('pub payload sources', () => {
  it('--file (bytes), --stdin (all of it), -l (one message per line)', async () => {
    const file = join(tmp, 'blob.bin');
    writeFileSync(file, new Uint8Array([0, 1, 0xfe, 0xff]));
    expect(await pub(['--topic', 'in/file', '--file', file])).toEqual({ code: 0, err: [] });
    expect(await pub(['--topic', 'in/stdin', '--stdin'], ['first ', new TextEncoder().encode('second')])).toEqual({ code: 0, err: [] });
    expect(await pub(['--topic', 'in/lines', '-l'], ['a\nb', '\r\nc\n', 'd'])).toEqual({ code: 0, err: [] });
    await until(6);
    expect(got.map((p) => [p.topic, toHex(p.payload)])).toEqual([
      ['in/file', '0001feff'],
      ['in/stdin', toHex(new TextEncoder().encode('first second'))],
      ...['a', 'b', 'c', 'd'].map((l) => ['in/lines', toHex(new TextEncoder().encode(l))]),
    ]);
  });

  it('exactly one source: none or two is a usage error', async () => {
    const none = await pub(['--topic', 'in/x']);
    expect(none.code).toBe(1);
    expect(none.err[0]).toMatch(/^saltwire pub: missing the payload: --message TEXT, --file FILE, --stdin or --stdin-lines/);
    const two = await pub(['--topic', 'in/x', '-m', 'a', '--stdin']);
    expect(two.err[0]).toMatch(/^saltwire pub: --message and --stdin: give one payload source/);
  });
});
