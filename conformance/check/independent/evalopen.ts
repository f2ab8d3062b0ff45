// Evaluator for OpenTest (datagram_open.json): the receive path of section 6 (receiver.ts).
// Each test runs on a new Receiver built from the group (README: "the receiver's configuration and
// state before each test"). valid: the datagram is accepted and sender, gen, epoch, counter, plaintext,
// frames and freshness equal `expected`. invalid: it is dropped, with exactly `reason` when given, and
// with `stale` exactly when the group's receiver answers stale datagrams and this one is authentic
// (12.4; README, OpenTest).
import { fromHex } from './bytes.js';
import { BOOT_LEN, MIN_MAX_DATAGRAM, MIN_REPLAY_WINDOW } from './constants.js';
import { hex, Report, type Evaluator, type Json } from './evalcommon.js';
import { Receiver, type GenerationPolicy, type Keyring } from './receiver.js';
import { ReplayWindow } from './window.js';

export function buildReceiver(g: Json, problems: string[]): Receiver {
  if (!(g.windowSize >= MIN_REPLAY_WINDOW)) problems.push(`group windowSize ${g.windowSize} < MIN_REPLAY_WINDOW [SW-5.4-4]`);
  if (!(g.maxDatagram >= MIN_MAX_DATAGRAM)) problems.push(`group maxDatagram ${g.maxDatagram} < MIN_MAX_DATAGRAM [SW-4.10-1]`);
  const kr = g.keyring ?? {};
  let keyring: Keyring;
  // pairKeys keep their listed (provisioning) order: a peer's first entry is its current generation [SW-3.6-9]
  const pairKeys = () => (kr.pairKeys ?? []).map((e: Json) => ({ peer: e.peer, gen: e.gen, key: fromHex(e.key, 'pairKeys.key') }));
  if (kr.mode === 'site') keyring = { mode: 'site', siteKey: fromHex(kr.siteKey, 'keyring.siteKey') };
  else if (kr.mode === 'pairs') keyring = { mode: 'pairs', pairKeys: pairKeys() };
  else if (kr.mode === 'site+pairs') keyring = { mode: 'site+pairs', siteKey: fromHex(kr.siteKey, 'keyring.siteKey'), pairKeys: pairKeys() };
  else throw new Error(`unknown keyring mode ${JSON.stringify(kr.mode)}`);
  if (keyring.mode !== 'site') {
    const seen = new Set<string>();
    for (const e of keyring.pairKeys) {
      if (seen.has(`${e.gen}/${e.peer}`)) problems.push(`two pair keys for ${e.peer} at generation ${e.gen} [SW-3.6-2]`);
      seen.add(`${e.gen}/${e.peer}`);
    }
  }
  const generations = new Map<string, GenerationPolicy>();
  for (const [peer, p] of Object.entries((g.generations ?? {}) as Record<string, Json>))
    generations.set(peer, { current: p.current ?? 0, previous: p.previous ?? null, previousInGrace: p.previousInGrace === true });
  if (kr.mode !== 'site' && (kr.pairKeys ?? []).some((e: Json) => e.peer === g.receiver))
    problems.push(`a pair key is configured for the receiver's own id ${g.receiver} [SW-3.5-3]`);
  if (typeof g.durableMaxEpochs !== 'boolean') problems.push('durableMaxEpochs missing (README, OpenTest group)');
  if (g.staleAnswer !== undefined && typeof g.staleAnswer !== 'boolean') problems.push('staleAnswer is not a boolean (README, OpenTest group)');
  const rx = new Receiver({ receiver: g.receiver, maxDatagram: g.maxDatagram, windowSize: g.windowSize, keyring, generations, completeStore: g.durableMaxEpochs === true, staleAnswer: g.staleAnswer === true });
  const indexes = new Set<number>();
  for (const c of g.contexts ?? []) {
    const { window, problems: wp } = ReplayWindow.fromState(g.windowSize, c.top ?? null, c.seen ?? []);
    for (const p of wp) problems.push(`context ${c.peer}/${c.gen}: ${p}`);
    if (c.index === 0) problems.push(`context ${c.peer}/${c.gen}: index 0 is never assigned [SW-4.8-1]`);
    if (c.index != null && indexes.has(c.index)) problems.push(`index ${c.index} assigned twice [SW-4.8-1]`);
    if (c.index != null) indexes.add(c.index);
    if (!('floor' in c)) problems.push(`context ${c.peer}/${c.gen}: floor missing (README, OpenTest contexts)`);
    if (c.floor != null && c.floor > c.maxEpoch) problems.push(`context ${c.peer}/${c.gen}: floor ${c.floor} above maxEpoch ${c.maxEpoch}`);
    // the BOOT of the context's maxEpoch [SW-5.5-4]
    const boot = typeof c.boot === 'string' ? fromHex(c.boot, 'context.boot') : new Uint8Array(0);
    if (boot.length !== BOOT_LEN) problems.push(`context ${c.peer}/${c.gen}: boot missing or not ${BOOT_LEN} bytes [SW-5.5-4]`);
    rx.addContext({ peer: c.peer, gen: c.gen, maxEpoch: c.maxEpoch, boot, window, index: c.index ?? null, floor: c.floor ?? null });
  }
  for (const p of g.persistedMaxEpochs ?? []) rx.addPersisted(p.peer, p.gen, p.maxEpoch);
  return rx;
}

export const evalOpen: Evaluator = (g, t) => {
  const r = new Report();
  const problems: string[] = [];
  const rx = buildReceiver(g, problems);
  for (const p of problems) r.fail(`group state: ${p}`);
  const out = rx.receive(hex(t, 'datagram'));
  if (t.result === 'valid') {
    if (!out.accepted) { r.fail(`vector says valid, this checker drops it: ${out.reason} (step ${out.step})`); return r.failures; }
    const e = t.expected ?? {};
    if (!t.expected) r.fail('valid OpenTest without expected');
    r.eq('expected.sender', out.sender, e.sender);
    r.eq('expected.gen', out.gen, e.gen);
    r.eq('expected.epoch', out.epoch, e.epoch);
    r.eq('expected.counter', out.counter, e.counter);
    r.hex('expected.plaintext', out.plaintext, e.plaintext);
    r.eq('expected.frames', out.frames, e.frames);
    r.eq('expected.freshness', out.freshness, e.freshness);
  } else if (out.accepted) {
    r.fail(`vector says invalid${t.reason ? ` (${t.reason})` : ''}, this checker accepts it`);
  } else {
    if (t.reason !== undefined && out.reason !== t.reason) r.fail(`reason: computed ${out.reason} (step ${out.step}), vector says ${t.reason}`);
    if (out.gap !== undefined) r.fail(out.gap);
    else r.eq('stale', out.stale ?? null, t.stale ?? null);
  }
  return r.failures;
};
