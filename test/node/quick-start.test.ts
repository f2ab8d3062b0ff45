/**
 * startClient / startHub (node/quick-start.ts): one call each from an address, an id and a key, and
 * close() releases the node (its UDP socket) too. Over UDP loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey, HubUnreachableError, InvalidArgumentError, NodeClosedError, startClient, startHub, toHex, tweetnaclSuite } from '../../src/index.js';

const dirs: string[] = [];
const tmp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'sw-quick-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('startClient and startHub', () => {
  it('a hub and a device from keys: publish, receive, a typed call; close() closes the nodes', async () => {
    const site = generateKey(tweetnaclSuite);
    const hub = await startHub({ listen: '127.0.0.1:0', siteKey: toHex(site), stateDir: tmp() });
    hub.serve('reading', (p) => ({ celsius: 21.5, unit: (p as { unit: string }).unit }));
    const addr = `127.0.0.1:${hub.port.node.local.port}`;
    const key = deriveDeviceKey(tweetnaclSuite, site, 'sensor-1', 0);
    const client = await startClient({ hub: addr, id: 'sensor-1', key, stateDir: tmp() });
    try {
      const got = new Promise<string>((r) => client.subscribe('t/#', { qos: 1 }, (p) => r(p.text())));
      await client.publish('t/x', 'hello', { qos: 1 });
      expect(await got).toBe('hello');
      const r = await client.call<{ celsius: number; unit: string }>('hub', 'reading', { unit: 'C' }, { timeoutMs: 2000 });
      expect(r.celsius).toBe(21.5);
      expect(r.unit).toBe('C');
    } finally {
      await client.close();
      await hub.close();
    }
    expect(() => client.port.node.send('hub', new Uint8Array(1))).toThrow(NodeClosedError);
    expect(() => hub.port.node.send('sensor-1', new Uint8Array(1))).toThrow(NodeClosedError);
  });

  it('no hub there: HubUnreachableError after readyTimeoutMs, and nothing left open', async () => {
    const t0 = performance.now();
    const err = await startClient({ hub: '127.0.0.1:9', id: 'd1', key: 'ab'.repeat(32), stateDir: tmp(), readyTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HubUnreachableError);
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('bad keys and addresses are InvalidArgumentError, before anything binds', async () => {
    await expect(startClient({ hub: '127.0.0.1:4000', id: 'd1', key: 'abc' })).rejects.toThrow(InvalidArgumentError);
    await expect(startClient({ hub: '127.0.0.1', id: 'd1', key: 'ab'.repeat(32) })).rejects.toThrow(/hub must be "HOST:PORT"/);
    await expect(startHub({ listen: 0, siteKey: new Uint8Array(16) })).rejects.toThrow(/siteKey must be 32 bytes/);
  });
});
