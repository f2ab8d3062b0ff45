/**
 * `saltwire status`: the devices a hub knows and their state, asked of the hub itself: a call of
 * its method `saltwire/status` (served by `saltwire hub`), so access control decides who may ask
 * (allow it to an operator's id only: `{ "devices": ["console"], "call": ["saltwire/status"] }`).
 * A hub knows a device from hearing it since it started, from the peer memory saved in its state
 * directory (spec 12.1: a device heard before a restart), or from its access control (the ids its
 * rules name); a device not heard since the start is `unheard`.
 * @module
 */
import type { SaltwireNode } from '../../peer/node.js';
import { addressKey } from '../../transport/transport.js';
import type { Messaging } from '../../messaging/api.js';
import { RpcError } from '../../rpc/errors.js';
import { UsageError } from '../args.js';
import { EXIT, exitCodeFor, type Command } from '../command.js';
import { CLIENT_FLAGS, clientSettings, openEndpoint, readyOrStopped } from '../endpoint.js';

/** The method a hub serves its status under. */
export const STATUS_METHOD = 'saltwire/status';

/**
 * A device's state in `saltwire status`: `reachable` or `unreachable` (spec 11) once heard since the
 * hub started; `unheard` for a device the hub knows only from its saved peer memory or its access
 * control, and has not heard from since it started.
 */
export type DeviceState = 'reachable' | 'unreachable' | 'unheard';

/** Where the hub knows a device from: heard since it started, its saved peer memory, its access control. */
export type KnownFrom = 'heard' | 'saved' | 'acl';

export interface PeerStatus {
  readonly id: string;
  readonly state: DeviceState;
  /** The node's own view (spec 11): 'unknown' for a device not heard since the hub started. */
  readonly reachability: string;
  /** Where datagrams to it go: heard, or remembered from before a restart; null if none. */
  readonly address: string | null;
  readonly validated: boolean;
  /** ms since the hub last heard it (by the hub's clock); null if not since it started. */
  readonly lastHeardMsAgo: number | null;
  /** Its newest epoch that authenticated at the hub since it started (a restart raises it); null if none. */
  readonly epoch: number | null;
  readonly knownFrom: readonly KnownFrom[];
  /** On the revoked list of access control (spec 17.7). */
  readonly revoked: boolean;
}

export interface HubStatus {
  readonly hub: string;
  readonly address: string;
  readonly epoch: number;
  readonly uptimeMs: number;
  readonly peers: readonly PeerStatus[];
}

/** The devices a hub knows, by source (a device may be in several). */
export interface KnownDevices {
  /** Heard since the hub started, in the order first heard (HubLog.seen). */
  readonly heard: Iterable<string>;
  /** In the peer memory saved in the hub's state directory when it started (spec 12.1). */
  readonly saved?: Iterable<string>;
  /** Named in the access-control configuration (its rules' devices and revoked list). */
  readonly acl?: Iterable<string>;
  /** Revoked by access control. */
  readonly revoked?: (id: string) => boolean;
}

/**
 * The status of a hub's node: every device it knows (heard first, then saved, then configured),
 * each once, with its state. An id that is not a device (the hub's own) is left out.
 */
export function hubStatus(node: SaltwireNode, known: KnownDevices | Iterable<string>, startedAt: number, now: () => number = () => performance.now()): HubStatus {
  const k: KnownDevices = Symbol.iterator in known ? { heard: known } : known;
  const from = new Map<string, KnownFrom[]>();
  const add = (ids: Iterable<string> | undefined, src: KnownFrom): void => {
    for (const id of ids ?? []) if (id !== node.id) from.set(id, [...(from.get(id) ?? []), src].filter((s, i, a) => a.indexOf(s) === i));
  };
  add(k.heard, 'heard');
  add(k.saved, 'saved');
  add(k.acl, 'acl');
  const t = now();
  const peers: PeerStatus[] = [];
  for (const [id, knownFrom] of from) {
    const p = node.peer(id);
    const heard = p !== undefined && p.lastHeard >= 0;
    const state: DeviceState = !heard || p.reachability === 'unknown' ? 'unheard' : p.reachability === 'reachable' ? 'reachable' : 'unreachable';
    peers.push({
      id,
      state,
      reachability: p?.reachability ?? 'unknown',
      address: p?.address === undefined ? null : addressKey(p.address),
      validated: p?.validated ?? false,
      lastHeardMsAgo: heard ? Math.max(0, Math.round(node.scheduler.now() - p.lastHeard)) : null,
      epoch: p?.epoch ?? null,
      knownFrom,
      revoked: k.revoked?.(id) ?? false,
    });
  }
  return { hub: node.id, address: addressKey(node.local), epoch: node.epoch, uptimeMs: Math.round(t - startedAt), peers };
}

/**
 * The text form: a header line, then one row per device (DEVICE STATE ADDRESS LAST HEARD; `wide`
 * adds EPOCH and KNOWN FROM). A hub older than `state` reports only reachability: shown as it is.
 */
export function formatStatus(s: HubStatus, wide = false): string[] {
  const rows = s.peers.map((p) => [
    p.id,
    `${p.state ?? p.reachability}${p.revoked === true ? ',revoked' : ''}`,
    p.address ?? '-',
    p.lastHeardMsAgo === null ? '-' : `${(p.lastHeardMsAgo / 1000).toFixed(1)}s ago`,
    ...(wide ? [p.epoch === null || p.epoch === undefined ? '-' : String(p.epoch), (p.knownFrom ?? ['heard']).join(',')] : []),
  ]);
  const head = ['DEVICE', 'STATE', 'ADDRESS', 'LAST HEARD', ...(wide ? ['EPOCH', 'KNOWN FROM'] : [])];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd();
  const count = (st: DeviceState): number => s.peers.filter((p) => p.state === st).length;
  const states = s.peers.every((p) => p.state !== undefined) ? ` (${count('reachable')} reachable, ${count('unreachable')} unreachable, ${count('unheard')} unheard since start)` : '';
  return [`hub ${s.hub} at ${s.address}, epoch ${s.epoch}, up ${(s.uptimeMs / 1000).toFixed(0)}s, ${s.peers.length} devices${states}`, fmt(head), ...rows.map(fmt)];
}

export async function printStatus(m: Messaging, hubId: string, format: boolean | { json?: boolean; wide?: boolean }, timeoutMs: number, out: (l: string) => void, err: (l: string) => void): Promise<number> {
  const f = typeof format === 'boolean' ? { json: format } : format;
  try {
    const s = await m.call<HubStatus>(hubId, STATUS_METHOD, null, { timeoutMs });
    if (f.json === true) out(JSON.stringify(s));
    else formatStatus(s, f.wide === true).forEach((l) => out(l));
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
    summary: "Lists the devices the hub knows and their state (the hub's method saltwire/status): heard since it started, remembered in its state directory, or named in its access control.",
    flags: {
      ...CLIENT_FLAGS,
      '--json': { help: 'print one JSON object: {"hub","address","epoch","uptimeMs","peers":[{"id","state","reachability","address","validated","lastHeardMsAgo","epoch","knownFrom","revoked"}]}' },
      '--wide': { help: "add the columns EPOCH (the device's, where known) and KNOWN FROM (heard, saved, acl)" },
      '--timeout': { value: 'DURATION', help: 'how long to wait for the answer (default 5s)' },
    },
    notes: [
      'STATE: reachable or unreachable once heard since the hub started; unheard for a device the hub knows',
      '  only from its saved peer memory (heard before a restart) or its access control. LAST HEARD and',
      '  EPOCH count from the hub\'s start; ADDRESS may be remembered from before it.',
      'Access control decides who may ask: allow "saltwire/status" in "call" to operators only.',
      'Exit codes: 0, 1 usage or other error, 3 the hub did not answer, 4 the hub serves no status (not',
      '  `saltwire hub`), 6 access control refused the call.',
    ].join('\n'),
  },
  async run(flags, io) {
    const settings = clientSettings(flags, io);
    const timeoutMs = Math.round(flags.duration('--timeout', 'ms', 86_400_000, 5000));
    if (flags.bool('--json') && flags.bool('--wide')) throw new UsageError('--json has every field already: not with --wide');
    const ep = await openEndpoint(settings, io.err);
    try {
      if ((await readyOrStopped(ep, io.stopped)) === 'stopped') return EXIT.ERROR;
      return await printStatus(ep.client, settings.hubId, { json: flags.bool('--json'), wide: flags.bool('--wide') }, timeoutMs, io.out, io.err);
    } finally {
      await ep.close();
    }
  },
};
