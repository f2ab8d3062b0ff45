/**
 * `saltwire inspect` (issue 18): a datagram a device really sent (captured on a MemoryNetwork) is
 * decoded field by field, authenticates under the device's key (or the site key), and shows its
 * frames and the operation inside; a wrong key or a changed byte is exit 2.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { parseHexBytes } from '../../src/cli/commands/inspect.js';
import { run } from '../../src/cli/main.js';
import { Client, deriveDeviceKey, Hub, MemoryNetwork, MemoryStateStore, PairKeyring, SaltwireNode, SiteKeyring, toHex, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-inspect-'));
const SITE = new Uint8Array(32).fill(9);
const DK = deriveDeviceKey(tweetnaclSuite, SITE, 'sensor-1', 0);
let first = ''; // the device's first datagram to the hub (FULL)
let publish = ''; // a datagram carrying its PUBLISH

beforeAll(async () => {
  const sent: Uint8Array[] = [];
  const net = new MemoryNetwork({ capture: (c) => c.to.port === 4000 && sent.push(c.bytes) });
  const common = { suite: tweetnaclSuite, scheduler: net.scheduler, provisioning: true } as const;
  const hubNode = await SaltwireNode.start({ ...common, id: 'hub', keyring: new SiteKeyring(tweetnaclSuite, SITE), transport: net.bind({ port: 4000 }), state: new MemoryStateStore() });
  const dev = await SaltwireNode.start({ ...common, id: 'sensor-1', keyring: new PairKeyring().add('hub', 0, DK), transport: net.bind({}), state: new MemoryStateStore(), peers: [{ id: 'hub', address: hubNode.local }] });
  const hub = await Hub.start(hubNode, { persist: false });
  const client = await Client.start(dev, { hub: 'hub' });
  for (let i = 0; i < 200; i++) (net.advance(5), await Promise.resolve());
  const n = sent.length;
  void client.publish('sensors/sensor-1/temp', '21.5');
  for (let i = 0; i < 20; i++) (net.advance(5), await Promise.resolve());
  first = toHex(sent[0]!);
  publish = toHex(sent[n]!);
  await client.close();
  await hub.close();
  await dev.close();
  await hubNode.close();
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function inspect(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env, stopped: new Promise(() => undefined) };
  return { code: await run(['inspect', ...args], io), out, err };
}

describe('saltwire inspect', () => {
  it('a FULL datagram: its fields beside their bytes, authenticated under the device key, its frames', async () => {
    const keyFile = join(tmp, 'sensor-1.key');
    writeFileSync(keyFile, toHex(DK), { mode: 0o600 });
    const r = await inspect(['--key-file', keyFile, first]);
    expect(r.code, r.err.join('\n')).toBe(0);
    expect(r.out[0]).toMatch(/^datagram: \d+ bytes, FULL header, 27 bytes$/); // 19 + 8 for "sensor-1"
    expect(r.out[1]).toMatch(/^ {2}0000 {2}5\d +first byte: version 1, FULL form, flags 0$/);
    expect(r.out.some((l) => /^ {2}0012 {2}08 73 65 6e 73 6f 72 2d 31 +sender id: "sensor-1"$/.test(l))).toBe(true);
    expect(r.out).toContain(r.out.find((l) => l.startsWith('authenticates: yes (TK sensor-1 -> hub, epoch 1, BOOT ')));
    expect(r.out.some((l) => /^frames: [1-9]/.test(l))).toBe(true);
  });

  it('the site key works too (the device key derived from the sender id); a PUBLISH shows as an operation', async () => {
    const r = await inspect(['--json', publish], { SALTWIRE_SITE_KEY: toHex(SITE) });
    expect(r.code, r.err.join('\n')).toBe(0);
    const v = JSON.parse(r.out[0]!) as { authenticates: string; frames: Array<{ type: string; operation?: { op: string; topic?: string } }> };
    expect(v.authenticates).toBe('yes');
    expect(JSON.stringify(v.frames)).toMatch(/"op":"PUBLISH"/);
    expect(JSON.stringify(v.frames)).toContain('sensors/sensor-1/temp');
  });

  it('a wrong key, or one changed byte: does not authenticate, exit 2; junk: the drop reason', async () => {
    expect((await inspect([first], { SALTWIRE_KEY: '00'.repeat(32) })).code).toBe(2);
    const bytes = parseHexBytes(first, 'x');
    bytes[bytes.length - 1]! ^= 1;
    const r = await inspect([toHex(bytes)], { SALTWIRE_KEY: toHex(DK) });
    expect([r.code, r.out.find((l) => l.startsWith('authenticates'))]).toEqual([2, expect.stringMatching(/^authenticates: no/)]);
    const junk = await inspect(['ff 00 11']);
    expect([junk.code, junk.out[0]]).toEqual([2, 'datagram: 3 bytes, invalid header (BAD_VERSION)']);
    const nokey = await inspect([first]);
    expect(nokey.code).toBe(0);
    expect(nokey.out).toContain('authenticates: not tried: no key (--key, --key-file or --site-file)');
  });

  it('hex with spaces and colons, or from a file; no colours when not a terminal', async () => {
    const spaced = first.replace(/(..)/g, '$1:').slice(0, -1);
    const file = join(tmp, 'd.hex');
    writeFileSync(file, `${first.replace(/(..)/g, '$1 ')}\n`);
    const a = await inspect([spaced], { SALTWIRE_KEY: toHex(DK) });
    const b = await inspect(['--file', file], { SALTWIRE_KEY: toHex(DK) });
    expect(a.out).toEqual(b.out);
    expect(a.out.join('\n')).not.toMatch(/\x1b\[/);
  });
});

/** A classic pcap file (Ethernet, IPv4, UDP) of datagrams, as tcpdump -w writes one. */
function pcapOf(packets: Array<{ src: number; dst: number; bytes: Uint8Array }>): Uint8Array {
  const parts: Buffer[] = [];
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20); // Ethernet
  parts.push(global);
  for (const p of packets) {
    const udp = Buffer.alloc(8 + p.bytes.length);
    udp.writeUInt16BE(p.src, 0);
    udp.writeUInt16BE(p.dst, 2);
    udp.writeUInt16BE(udp.length, 4);
    Buffer.from(p.bytes).copy(udp, 8);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + udp.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    Buffer.from([127, 0, 0, 1]).copy(ip, 12);
    Buffer.from([127, 0, 0, 1]).copy(ip, 16);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp]);
    const rec = Buffer.alloc(16);
    rec.writeUInt32LE(frame.length, 8);
    rec.writeUInt32LE(frame.length, 12);
    parts.push(rec, frame);
  }
  return new Uint8Array(Buffer.concat(parts));
}

describe('saltwire inspect of a capture', () => {
  it('every UDP datagram, SHORT ones opened with the context of the FULL ones from the same address', async () => {
    const file = join(tmp, 'capture.pcap');
    writeFileSync(file, pcapOf([
      { src: 50000, dst: 4000, bytes: parseHexBytes(first, 'x') },
      { src: 53, dst: 53, bytes: new Uint8Array([1, 2, 3]) }, // not Saltwire
      { src: 50000, dst: 4000, bytes: parseHexBytes(publish, 'x') },
    ]));
    const r = await inspect(['--file', file, '--json'], { SALTWIRE_SITE_KEY: toHex(SITE) });
    expect(r.code, r.err.join('\n')).toBe(0);
    const views = JSON.parse(r.out[0]!) as Array<{ index: number; src: string; view: { authenticates: string; header: { form?: string } } }>;
    expect(views.map((v) => [v.index, v.src, v.view.header.form ?? 'invalid', v.view.authenticates.split(':')[0]])).toEqual([
      [1, '127.0.0.1:50000', 'FULL', 'yes'],
      [2, '127.0.0.1:53', 'invalid', 'no'],
      [3, '127.0.0.1:50000', publish.startsWith('40') ? 'SHORT' : 'FULL', 'yes'],
    ]);
    const one = await inspect(['--file', file, '--index', '3'], { SALTWIRE_SITE_KEY: toHex(SITE) });
    expect(one.out[0]).toBe('packet 3: 127.0.0.1:50000 -> 127.0.0.1:4000');
    expect(one.out.at(-1)).toBe('1 UDP datagrams');
  });
});
