// A device that restarted and subscribes at once gets the retained message [SW-15.8-5]. The retained
// copy answering a SUBSCRIBE goes in a reliable MSG even at QoS 0: sent unreliably it reached the
// restarted device before the device could tell the hub's datagrams fresh, and was dropped for good
// (found by a new user over UDP: publish retained, restart twice, subscribe at QoS 0, nothing).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveDeviceKey, generateKey, startClient, startHub, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'saltwire-retained-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('retained copies to a device that just restarted, over UDP [SW-15.8-5]', () => {
  it('a QoS 0 subscription made at once after two restarts gets the retained value', async () => {
    const site = generateKey(tweetnaclSuite);
    const key = deriveDeviceKey(tweetnaclSuite, site, 'sensor-1', 0);
    const hub = await startHub({ listen: '127.0.0.1:0', siteKey: site, stateDir: join(tmp, 'hub') });
    const opts = { hub: `127.0.0.1:${hub.node.local.port}`, id: 'sensor-1', key, stateDir: join(tmp, 's1') };
    let c = await startClient(opts);
    await c.publish('sensors/s1/temp', '21.5', { qos: 1, retain: true });
    await c.close();
    c = await startClient(opts);
    await c.publish('sensors/s1/temp', '21.6', { qos: 1, retain: true });
    await c.close();
    c = await startClient({ ...opts, readyTimeoutMs: false }); // subscribes before the hub answered anything
    const got = await new Promise<string>((resolve) => {
      c.subscribe('sensors/#', { qos: 0 }, (p) => resolve(p.text()));
      setTimeout(() => resolve('(nothing in 3 s)'), 3000);
    });
    expect(got).toBe('21.6'); // before: '(nothing in 3 s)', 4 runs of 4
    await c.close();
    await hub.close();
  });
});
