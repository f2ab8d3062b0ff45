// A member's keys of one group (spec 19.3, 19.8) in GroupMembership and GroupReceiver, on a clock
// passed in: LIFETIME from receipt bounds sending and accepting, an erased generation's key is wiped
// with its receive state, an old or repeated grant is ignored, a grant is persisted before use, and
// a member takes grants from its hub only (the message layer takes no datagram of unknown freshness).
import { describe, expect, it } from 'vitest';
import { tweetnaclSuite as suite } from '../../src/crypto/tweetnacl.js';
import { loadGroupRecords } from '../../src/multicast/floor-store.js';
import type { GroupGrant } from '../../src/multicast/grant.js';
import { GroupMembership } from '../../src/multicast/membership.js';
import { GroupReceiver } from '../../src/multicast/receiver.js';
import { MemoryStateStore } from '../../src/peer/state-store.js';
import type { Client } from '../../src/messaging/client.js';
import { GRANT_METHOD, joinGroup } from '../../src/node/group-controller.js';
import type { GroupEndpoint } from '../../src/node/group-endpoint.js';

const grant = (gen: number, o: Partial<GroupGrant> = {}): GroupGrant => ({
  gid: 5, gen, member: 2, key: new Uint8Array(32).fill(gen + 1), activateMs: 0, graceMs: 0, lifetimeS: 10, epochFloor: 0, regrant: false, ...o,
});

describe('group keys of a member', () => {
  it('neither sends under nor accepts a key LIFETIME seconds after its grant was received [SW-19.8-5]', () => {
    const m = new GroupMembership(5);
    m.install(grant(0), 1_000); // received at 1 s, LIFETIME 10 s
    expect(m.sending(10_999)?.grant.gen).toBe(0);
    expect(m.accepts(0, 10_999).ok).toBe(true);
    expect(m.sending(11_000)).toBeUndefined();
    expect(m.accepts(0, 11_000).ok).toBe(false);
  });

  it("erases a generation's key, wiped, and its receive state when it stops accepting it [SW-19.8-4]", () => {
    const m = new GroupMembership(5);
    const erased: number[] = [];
    m.onErase = (gen) => erased.push(gen);
    m.install(grant(0, { lifetimeS: 3600 }), 0);
    const k0 = m.generations()[0]!.grant.key;
    m.install(grant(1, { lifetimeS: 3600, activateMs: 100, graceMs: 200 }), 0);
    m.tick(299);
    expect(m.accepts(0, 299).ok).toBe(true); // within ACTIVATE + GRACE
    m.tick(300);
    expect(m.accepts(0, 300).ok).toBe(false);
    expect(erased).toEqual([0]);
    expect(k0).toEqual(new Uint8Array(32)); // wiped
    const k1 = m.generations()[0]!.grant.key;
    m.tick(3_600_000); // LIFETIME over
    expect(erased).toEqual([0, 1]);
    expect(k1).toEqual(new Uint8Array(32));
    expect(m.generations()).toEqual([]);
  });

  it('ignores a grant whose GEN is not newer than the newest held, unless it holds none; persists a grant before using it [SW-19.3-3]', async () => {
    const store = new MemoryStateStore();
    const rx = new GroupReceiver({ suite, store });
    expect(await rx.install(grant(3), 0)).toBe(true); // no key held: any GEN
    expect(await loadGroupRecords(store, 5)).toHaveLength(1); // on the store when install resolves
    expect(await rx.install(grant(3, { key: new Uint8Array(32).fill(9) }), 1)).toBe(false); // a replayed or repeated grant
    expect(await rx.install(grant(2), 2)).toBe(false); // older
    expect(rx.membership(5).generations().map((g) => [g.grant.gen, g.grant.key[0]])).toEqual([[3, 4]]);
    expect(await rx.install(grant(4), 3)).toBe(true);
  });

  it('takes a grant pushed by RPC from its hub only [SW-19.3-3]', async () => {
    const handlers = new Map<string, (params: unknown, ctx: { from: string }) => Promise<unknown>>();
    const client = { serve: (m: string, h: (params: unknown, ctx: { from: string }) => Promise<unknown>) => void handlers.set(m, h) } as unknown as Client;
    const installed: unknown[] = [];
    const endpoint = { grant: async (g: unknown) => void installed.push(g) } as unknown as GroupEndpoint;
    await joinGroup(client, endpoint, { gid: 5, ask: false });
    const serve = handlers.get(GRANT_METHOD)!;
    const bytes = Uint8Array.of(1, 2, 3);
    await expect(serve(bytes, { from: 'dev-b' })).rejects.toThrow(/hub/);
    expect(installed).toEqual([]);
    await serve(bytes, { from: 'hub' });
    expect(installed).toEqual([bytes]);
  });
});
