/**
 * `saltwire conformance live --target udp://HOST:PORT ...`: reads the keys, runs live mode (run.ts),
 * prints each check as it ends and writes the reports asked for.
 * @module
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fromHex } from '../../../src/util/bytes.js';
import { readBudget } from '../budget.js';
import type { KitArgs, KitIo } from '../cli.js';
import { readRequirements } from '../spec-text.js';
import { liveHtml, liveJson, liveJunit, liveSummary, resultLines } from './report.js';
import { runLive } from './run.js';

const readKey = (file: string): Uint8Array => {
  const t = readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new Error(`${file}: not a key (64 hex characters)`);
  return fromHex(t);
};

function address(text: string, what: string): { host: string; port: number } {
  const m = /^(?:udp:\/\/)?(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (m === null) throw new Error(`${what} must be udp://HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

export async function runLiveMode(a: KitArgs, io: KitIo): Promise<number> {
  if (a.target === undefined || (a.keyFile === undefined && a.siteFile === undefined)) {
    io.err('saltwire conformance live: --target udp://HOST:PORT and --key-file FILE (or --site-file FILE) are required');
    return 1;
  }
  const role = a.role ?? 'hub';
  if (role !== 'hub' && role !== 'device') {
    io.err(`saltwire conformance live: --role hub|device, got ${JSON.stringify(role)}`);
    return 1;
  }
  let opts;
  try {
    opts = {
      address: address(a.target, '--target'),
      role,
      targetId: a.targetId ?? (role === 'hub' ? 'hub' : ''),
      id: a.id ?? (role === 'hub' ? 'live-a' : 'hub'),
      ...(a.keyFile !== undefined && { key: readKey(a.keyFile) }),
      ...(a.siteFile !== undefined && { siteKey: readKey(a.siteFile) }),
      ...(a.listen !== undefined && { listen: address(a.listen, '--listen') }),
      ...(a.restartCommand !== undefined && { restartCommand: a.restartCommand }),
      ...(a.dropsCommand !== undefined && { dropsCommand: a.dropsCommand }),
      // --only: check names here (vector files in vector mode)
      ...(a.files !== undefined && { only: a.files }),
      strict: a.strict === true,
    } as const;
    if (role === 'device' && (opts.targetId === '' || opts.listen === undefined)) throw new Error('a device target needs --target-id ID and --listen HOST:PORT (where the device sends to its hub)');
  } catch (e) {
    io.err(`saltwire conformance live: ${(e as Error).message}`);
    return 1;
  }
  const reqs = readRequirements();
  io.out(`saltwire conformance live: ${opts.role} at ${a.target}, the runner as ${opts.id}${a.strict ? ' (strict: SHOULDs fail)' : ''}`);
  const budget = a.adapter === undefined ? undefined : await readBudget(a.adapter);
  const rep = await runLive({ ...opts, progress: (r) => resultLines(r, reqs).forEach((l) => io.out(l)) }, reqs);
  for (const l of liveSummary(rep, budget)) io.out(l);
  if (a.json !== undefined) writeFileSync(a.json, liveJson(rep, reqs, budget));
  if (a.junit !== undefined) writeFileSync(a.junit, liveJunit(rep, reqs));
  if (a.html !== undefined) writeFileSync(a.html, liveHtml(rep, reqs, budget));
  return rep.exitCode;
}
