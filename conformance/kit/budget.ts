/**
 * Budgets as results: an adapter may answer the optional operation `budget` (no group: asking it
 * never fails a run) with what its implementation costs: `codeBytes` (the code of the library, crypto
 * excluded), `ramPerPeerBytes` (the state and buffers one peer costs), `ramNodeBytes` (the node with
 * one peer and its datagram buffer), `allocatesOnDataPath` (whether receiving or sending a datagram
 * allocates memory) and `build` (what was measured). Reports show them beside the device profile's
 * targets (spec 14.12.5, [SW-14.12-18]).
 * @module
 */
import type { Reply } from './adapter-process.js';
import { AdapterSession } from './session.js';

export interface BudgetFigures {
  readonly codeBytes?: number;
  readonly ramPerPeerBytes?: number;
  readonly ramNodeBytes?: number;
  readonly allocatesOnDataPath?: boolean;
  readonly build?: string;
}

/** The device profile's targets (spec 14.12.5): per peer, 623 bytes of fixed state and about 2.4 KB with the default buffers of 20.3; nothing that grows with traffic. */
export const DEVICE_TARGETS = {
  /** "about 2.4 KB" (the table's sum is 623 + 1024 + 256 + 512 = 2,415; alignment adds a few bytes on a 64-bit host) */
  ramPerPeerBytes: 2458,
  ramPerPeerFixedBytes: 623,
  allocatesOnDataPath: false,
  ref: 'SW-14.12-18',
} as const;

export interface Budget {
  /** null: the adapter answered `budget` unsupported. */
  readonly reported: BudgetFigures | null;
  readonly targets: typeof DEVICE_TARGETS;
  /** Per figure with a target: within it or not. */
  readonly verdicts: { readonly ramPerPeer?: boolean; readonly allocatesOnDataPath?: boolean };
}

export function judgeBudget(reported: BudgetFigures | null): Budget {
  const v: { ramPerPeer?: boolean; allocatesOnDataPath?: boolean } = {};
  if (reported?.ramPerPeerBytes !== undefined) v.ramPerPeer = reported.ramPerPeerBytes <= DEVICE_TARGETS.ramPerPeerBytes;
  if (reported?.allocatesOnDataPath !== undefined) v.allocatesOnDataPath = reported.allocatesOnDataPath === DEVICE_TARGETS.allocatesOnDataPath;
  return { reported, targets: DEVICE_TARGETS, verdicts: v };
}

/** Asks the adapter its budget (one `budget` operation); an error or no answer counts as unsupported. */
export async function readBudget(adapter: string): Promise<Budget> {
  const s = new AdapterSession(adapter, 5000);
  try {
    return budgetOf(await s.ask({ op: 'budget' }));
  } finally {
    await s.close();
  }
}

/** The budget an adapter's reply to `budget` reports (fields of the wrong type are left out). */
export function budgetOf(r: Reply | undefined): Budget {
  {
    if (r?.kind !== 'reply') return judgeBudget(null);
    const v = r.value as Record<string, unknown>;
    const num = (k: string): number | undefined => (typeof v[k] === 'number' ? (v[k] as number) : undefined);
    return judgeBudget({
      ...(num('codeBytes') !== undefined && { codeBytes: num('codeBytes') }),
      ...(num('ramPerPeerBytes') !== undefined && { ramPerPeerBytes: num('ramPerPeerBytes') }),
      ...(num('ramNodeBytes') !== undefined && { ramNodeBytes: num('ramNodeBytes') }),
      ...(typeof v['allocatesOnDataPath'] === 'boolean' && { allocatesOnDataPath: v['allocatesOnDataPath'] }),
      ...(typeof v['build'] === 'string' && { build: v['build'] }),
    });
  }
}

const fmt = (n: number | undefined): string => (n === undefined ? 'not reported' : `${n.toLocaleString('en-US')} bytes`);
const ok = (b: boolean | undefined): string => (b === undefined ? '' : b ? '  within' : '  ABOVE');

export function budgetLines(b: Budget): string[] {
  if (b.reported === null) return ['budget: unsupported by the adapter (no `budget` operation)', ''];
  const r = b.reported;
  return [
    `budget${r.build ? ` (${r.build})` : ''}, beside the device profile's targets [${b.targets.ref}]:`,
    `  code                    ${fmt(r.codeBytes).padEnd(22)} (no target in the spec)`,
    `  RAM per peer            ${fmt(r.ramPerPeerBytes).padEnd(22)} target ${b.targets.ramPerPeerBytes.toLocaleString('en-US')} (about 2.4 KB: fixed ${b.targets.ramPerPeerFixedBytes} + buffers of 20.3)${ok(b.verdicts.ramPerPeer)}`,
    `  RAM, node with one peer ${fmt(r.ramNodeBytes).padEnd(22)} (no target in the spec)`,
    `  allocates on data path  ${(r.allocatesOnDataPath === undefined ? 'not reported' : r.allocatesOnDataPath ? 'yes' : 'no').padEnd(22)} target no${ok(b.verdicts.allocatesOnDataPath)}`,
    '',
  ];
}

export function budgetHtml(b: Budget): string {
  return `<h2>Budget</h2><pre>${budgetLines(b)
    .join('\n')
    .replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}</pre>`;
}
