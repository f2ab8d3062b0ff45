// Client.ready (spec 15.5, [SW-15.5-7]): resolves once the hub answered, rejects with
// HubUnreachableError when it did not within the timeout (no hub, a wrong key), over the
// MemoryNetwork with virtual time; and HubReadiness alone against a scripted port.
import { describe, expect, it } from 'vitest';
import { HubUnreachableError, InvalidArgumentError, NodeClosedError } from '../../src/errors.js';
import { HubReadiness } from '../../src/messaging/hub-readiness.js';
import { PairKeyring } from '../../src/session/keyring.js';
import { FakePort } from './fake-port.js';
import { track, World } from '../pubsub/world.js';

const MESSAGE = /^no answer from hub:4000 in (\d+) ms: is the hub running, and is this device's key right\?$/;

describe('Client.ready [SW-15.5-7]', () => {
  it('resolves once the hub answered the SYNC, within a round trip or so; at once afterwards', { timeout: 10_000 }, async () => {
    const w = await World.create(31);
    const dev = await w.device('dev-a');
    expect(dev.hubReady).toBe(false);
    const t0 = w.now();
    await w.settle(dev.ready({ timeoutMs: 1000 }), 2000);
    expect(w.now() - t0).toBeLessThan(1000);
    expect(dev.hubReady).toBe(true);
    await dev.ready({ timeoutMs: 0 }); // answered already: no timer to wait for
    await w.close();
  });

  it('rejects with HubUnreachableError after the timeout when no hub runs: code, fields, message naming HOST:PORT', { timeout: 10_000 }, async () => {
    const w = new World(32); // no hub on the network
    const dev = await w.device('dev-a');
    const t = track(dev.ready({ timeoutMs: 700 }));
    await w.run(650);
    expect(t.state).toBe('pending');
    await w.run(100);
    expect(t.state).toBe('failed');
    const e = t.error as HubUnreachableError;
    expect(e).toBeInstanceOf(HubUnreachableError);
    expect(e.code).toBe('ERR_HUB_UNREACHABLE');
    expect(e.message).toBe("no answer from hub:4000 in 700 ms: is the hub running, and is this device's key right?");
    expect(e).toMatchObject({ hub: 'hub', address: 'hub:4000', timeoutMs: 700 });
    await dev.close();
  });

  it('the default timeout is 5000 ms', { timeout: 10_000 }, async () => {
    const w = new World(33);
    const dev = await w.device('dev-a');
    const t = track(dev.ready());
    await w.run(4900);
    expect(t.state).toBe('pending');
    await w.run(200);
    expect(t.state).toBe('failed');
    expect((t.error as Error).message).toMatch(MESSAGE);
    expect((t.error as Error).message.match(MESSAGE)![1]).toBe('5000');
    await dev.close();
  });

  it('rejects when the device holds a wrong key: the hub drops its datagrams and never answers', { timeout: 10_000 }, async () => {
    const w = await World.create(34);
    const wrong = new PairKeyring().add('hub', 0, new Uint8Array(32).fill(9));
    const dev = await w.device('dev-a', {}, { keyring: wrong });
    const t = track(dev.ready({ timeoutMs: 1500 }));
    await w.run(1600);
    expect(t.state).toBe('failed');
    expect(t.error).toBeInstanceOf(HubUnreachableError);
    expect((t.error as Error).message).toMatch(MESSAGE);
    await w.close();
  });

  it('a hub that starts late: ready() resolves on its answer; close() rejects what still waits', { timeout: 10_000 }, async () => {
    const w = new World(35);
    const dev = await w.device('dev-a');
    const late = track(dev.ready({ timeoutMs: 60_000 }));
    await w.run(1000);
    expect(late.state).toBe('pending');
    await w.startHub();
    await w.until(() => late.state !== 'pending', 30_000);
    expect(late.state).toBe('ok');
    const w2 = new World(36);
    const lone = await w2.device('dev-b');
    const closed = track(lone.ready({ timeoutMs: 60_000 }));
    await lone.close();
    await Promise.resolve();
    expect(closed.error).toBeInstanceOf(NodeClosedError);
    await expect(lone.ready()).rejects.toBeInstanceOf(NodeClosedError);
    await w.close();
  });
});

describe('HubReadiness', () => {
  function setup(reach: 'unknown' | 'reachable' = 'unknown'): { port: FakePort; r: HubReadiness } {
    const port = new FakePort('dev');
    port.reach.set('hub', reach);
    return { port, r: new HubReadiness(port, 'hub', () => '192.0.2.10:4000') };
  }

  it('an operation from the hub is an answer; one from another peer is not', { timeout: 10_000 }, async () => {
    const { port, r } = setup();
    const t = track(r.ready({ timeoutMs: 100 }));
    port.deliver('dev-b', { op: 'UNSUBACK', req: 1 });
    await Promise.resolve();
    expect(t.state).toBe('pending');
    port.deliver('hub', { op: 'UNSUBACK', req: 1 });
    await Promise.resolve();
    expect(t.state).toBe('ok');
  });

  it('already reachable: at once; declared unreachable: waits for the next answer', { timeout: 10_000 }, async () => {
    const { port, r } = setup('reachable');
    await r.ready({ timeoutMs: 0 });
    port.emit('unreachable', { peer: 'hub' });
    expect(r.isReady).toBe(false);
    const t = track(r.ready({ timeoutMs: 50 }));
    port.scheduler.advance(60);
    await Promise.resolve();
    expect((t.error as Error).message).toBe("no answer from 192.0.2.10:4000 in 50 ms: is the hub running, and is this device's key right?");
    port.deliver('hub', { op: 'UNSUBACK', req: 2 });
    await r.ready({ timeoutMs: 0 });
  });

  it('refuses a bad timeout', { timeout: 10_000 }, async () => {
    const { r } = setup();
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number]) {
      await expect(r.ready({ timeoutMs: bad })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
  });
});
