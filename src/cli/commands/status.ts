/**
 * `saltwire status`: the devices a hub knows and their state, asked of the hub itself: a call of
 * its method `saltwire/status` (served by `saltwire hub`), so access control decides who may ask
 * (allow it to an operator's id only: `{ "devices": ["console"], "call": ["saltwire/status"] }`).
 * @module
 */
import type { SaltwireNode } from '../../peer/node.js';
import { addressKey } from '../../transport/transport.js';
import type { Messaging } from '../../messaging/api.js';
import { RpcError } from '../../rpc/errors.js';
import { EXIT, exitCodeFor, type Command } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint, readyOrStopped } from '../endpoint.js';

/** The method a hub serves its status under. */
export const STATUS_METHOD = 'saltwire/status';

export interface PeerStatus {
  readonly id: string;
  readonly reachability: string;
  readonly address: string | null;
  readonly validated: boolean;
  /** ms since the hub last heard it (by the hub's clock). */
  readonly lastHeardMsAgo: number | null;
}

export interface HubStatus {
  readonly hub: string;
  readonly address: string;
  readonly epoch: number;
  readonly uptimeMs: number;
  readonly peers: readonly PeerStatus[];
}

/** The status of a hub's node, for the peers in `ids` (HubLog.seen). */
export function hubStatus(node: SaltwireNode, ids: Iterable<string>, startedAt: number, now: () => number = () => performance.now()): HubStatus {
  const t = now();
  const peers: PeerStatus[] = [];
  for (const id of ids) {
    const p = node.peer(id);
    if (p === undefined) continue;
    peers.push({ id, reachability: p.reachability, address: p.address === undefined ? null : addressKey(p.address), validated: p.validated, lastHeardMsAgo: p.lastHeard >= 0 ? Math.max(0, Math.round(node.scheduler.now() - p.lastHeard)) : null });
  }
  return { hub: node.id, address: addressKey(node.local), epoch: node.epoch, uptimeMs: Math.round(t - startedAt), peers };
}

/** The text form: a header line, then one row per device. */
export function formatStatus(s: HubStatus): string[] {
  const rows = s.peers.map((p) => [p.id, p.reachability, p.address ?? '-', p.lastHeardMsAgo === null ? '-' : `${(p.lastHeardMsAgo / 1000).toFixed(1)}s ago`]);
  const head = ['DEVICE', 'STATE', 'ADDRESS', 'LAST HEARD'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  return [`hub ${s.hub} at ${s.address}, epoch ${s.epoch}, up ${(s.uptimeMs / 1000).toFixed(0)}s, ${s.peers.length} devices`, fmt(head), ...rows.map(fmt)];
}

export async function printStatus(m: Messaging, hubId: string, json: boolean, timeoutMs: number, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  try {
    const s = await m.call<HubStatus>(hubId, STATUS_METHOD, null, { timeoutMs });
    if (json) out(JSON.stringify(s));
    else formatStatus(s).forEach((l) => out(l));
    return EXIT.OK;
  } catch (e) {
    if (!(e instanceof RpcError)) throw e;
    err(`saltwire status: ${e.message}`);
    return exitCodeFor(e);
  }
}

export const status: Command = {
  spec: {
    name: 'status',
    summary: "Lists the devices the hub has heard from and their state (the hub's method saltwire/status).",
    flags: {
      ...CLIENT_FLAGS,
      '--json': { help: 'print one JSON object: {"hub","address","epoch","uptimeMs","peers":[{"id","reachability","address","validated","lastHeardMsAgo"}]}' },
      '--timeout': { value: 'DURATION', help: 'how long to wait for the answer (default 5s)' },
    },
    notes: [
      'Access control decides who may ask: allow "saltwire/status" in "call" to operators only.',
      'Exit codes: 0, 1 usage or other error, 3 the hub did not answer, 4 the hub serves no status (not',
      '  `saltwire hub`), 6 access control refused the call.',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const timeoutMs = Math.round(flags.duration('--timeout', 'ms', 86_400_000, 5000));
    const ep = await openEndpoint(settings, io.err);
    try {
      if ((await readyOrStopped(ep, io.stopped)) === 'stopped') return EXIT.ERROR;
      return await printStatus(ep.client, settings.hubId, flags.bool('--json'), timeoutMs, io.out, io.err);
    } finally {
      await ep.close();
    }
  },
};
