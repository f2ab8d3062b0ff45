/**
 * A newly learned peer is saved within NEW_PEER_SAVE_DELAY, not SAVE_DELAY [SW-12.1-4]: a hub killed
 * half a second after meeting a device (no graceful stop, so no final save) still tells the device
 * of its restart at once [SW-12.2-3].
 */
import { describe, expect, it } from 'vitest';
import { Harness, HUB, text } from './harness.js';

describe('a hub killed soon after meeting a device [SW-12.1-4]', () => {
  it('remembers it: the restarted hub sends the restart hint at once', async () => {
    const h = new Harness();
    const t1 = h.net.bind(HUB);
    await h.hub({ transport: t1 });
    const dev2 = await h.device('d'); // the hub learns the device from its first datagram
    const restarts: string[] = [];
    dev2.on('restart', (e) => restarts.push(e.peer));
    const p = dev2.send('hub', text('hello'), { reliable: true, deadlineMs: 2000 });
    await h.run(500); // well under SAVE_DELAY (5 s)
    await p;
    // kill -9: the transport goes, the node never gets to save again (its pending saves are gone with it)
    await t1.close();
    const hub2 = await h.hub();
    await h.run(5);
    expect(restarts).toEqual(['hub']); // before [SW-12.1-4]: [] (the hub had not saved the device yet)
    await dev2.close();
    await hub2.close();
  });
});
