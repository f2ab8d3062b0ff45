// Evaluators for handshake.json (spec 13): HandshakeTest, EphemeralTest, InitiationTest,
// ResponseTest, RekeyTest. valid tests: recompute every value the vector gives (messages, ck/h after
// each step, DH, keys, first datagrams) and compare. invalid tests: the message is dropped, with
// exactly the vector's reason. Uses handshake.ts (node:crypto + libsodium), never SDK code.
import { concat, fromHex, toHex, u32 } from './bytes.js';
import { hex, Report, type Evaluator, type Json } from './evalcommon.js';
import { buildReceiver } from './evalopen.js';
import { finish, hedgedEphemeral, initiate, rekeyDecision, respond, type Keys, type Pending, type Step } from './handshake.js';
import { secretbox, secretboxOpen } from './primitives.js';
import { x25519, x25519Base } from './x25519.js';

const stepsJson = (steps: Step[]): Json[] => steps.map((s) => ({ op: s.op, ck: toHex(s.ck), h: toHex(s.h), ...(s.k ? { k: toHex(s.k) } : {}) }));
const keysJson = (k: Keys): Json => ({ keyIR: toHex(k.keyIR), keyRI: toHex(k.keyRI), handshakeHash: toHex(k.handshakeHash) });

/** Compares traces step by step, reporting the first differing step and field only. */
function eqSteps(r: Report, what: string, computed: Json[], expected: unknown): void {
  if (!Array.isArray(expected)) { r.fail(`${what}: missing in vector`); return; }
  if (computed.length !== expected.length) r.fail(`${what}: ${computed.length} steps computed, vector has ${expected.length}`);
  for (const [i, c] of computed.entries()) {
    const e = expected[i] ?? {};
    for (const k of ['op', 'ck', 'h', 'k'])
      if (c[k] !== e[k]) { r.fail(`${what}[${i}] (${c.op}).${k}: computed ${c[k]}, vector says ${e[k]}`); return; }
  }
}

function pendingOf(x: Json, ePriv: Uint8Array): Pending {
  return initiate({ initiator: x.initiator, responder: x.responder, gen: x.gen, psk: fromHex(x.psk, 'psk'), ePriv, epoch: x.timestamp.epoch, counter: x.timestamp.counter, index: x.initiatorIndex });
}

/** [SW-13.8-2]: SHORT header (0x40, index, counter), nonce = header || 0^15, box under the direction's key. */
function sessionDatagram(key: Uint8Array, index: number, counter: number, plaintext: Uint8Array): Uint8Array {
  const header = concat(Uint8Array.of(0x40), u32(index), u32(counter));
  return concat(header, secretbox(key, concat(header, new Uint8Array(15)), plaintext));
}

export const evalHandshake: Evaluator = (_g, t) => {
  const r = new Report();
  const pending = pendingOf(t, hex(t, 'initiatorEphemeral'));
  const cfg = { self: t.responder, keyFor: () => ({ key: fromHex(t.psk) }), sessionDisabled: [], lastTimestamp: () => undefined, budgetLeft: true };
  const resp = respond(cfg, pending.m1, hex(t, 'responderEphemeral'), t.responderIndex);
  if (!resp.ok) { r.fail(`responder refuses the initiation: ${resp.reason} at step ${resp.step}`); return r.failures; }
  const fin = finish(pending, resp.response);
  if (!fin.ok) { r.fail(`initiator refuses the response: ${fin.reason} at step ${fin.step}`); return r.failures; }
  r.eq('responder and initiator keys agree', keysJson(resp.keys), keysJson(fin.keys));
  const ePubR = x25519Base(hex(t, 'responderEphemeral'));
  const im = t.intermediate ?? {};
  r.hex('intermediate.initiatorEphemeralPublic', pending.ePub, im.initiatorEphemeralPublic);
  r.hex('intermediate.responderEphemeralPublic', ePubR, im.responderEphemeralPublic);
  r.hex('intermediate.dh', x25519(hex(t, 'initiatorEphemeral'), ePubR), im.dh);
  eqSteps(r, 'intermediate.initiation', stepsJson(pending.steps), im.initiation);
  // the responder's trace repeats the initiation's steps (DecryptAndHash for EncryptAndHash), then the response's
  const n = pending.steps.length;
  r.eq('responder transcript of the initiation', stepsJson(resp.steps.slice(0, n)).map((s) => s.h), stepsJson(pending.steps).map((s) => s.h));
  eqSteps(r, 'intermediate.response', stepsJson(resp.steps.slice(n)), im.response);
  r.eq('intermediate.response (initiator side)', stepsJson(fin.steps).map((s) => s.h), (im.response ?? []).map((s: Json) => s.h));
  r.hex('initiation', pending.m1, t.initiation);
  r.hex('response', resp.response, t.response);
  r.eq('sizes', { initiation: pending.m1.length, response: resp.response.length }, t.sizes);
  if (resp.response.length > pending.m1.length) r.fail('response longer than the initiation [SW-13.5-2]');
  r.eq('session', keysJson(fin.keys), t.session);
  for (const d of t.firstDatagrams ?? []) {
    const fromI = d.from === 'initiator';
    const key = fromI ? fin.keys.keyIR : fin.keys.keyRI;
    const dg = sessionDatagram(key, fromI ? t.responderIndex : t.initiatorIndex, d.counter, fromHex(d.plaintext));
    r.hex(`first datagram from ${d.from}`, dg, d.datagram);
    const opened = secretboxOpen(key, concat(dg.subarray(0, 9), new Uint8Array(15)), dg.subarray(9));
    if (!opened || toHex(opened) !== d.plaintext) r.fail(`first datagram from ${d.from} does not open`);
  }
  if (t.result !== 'valid') r.fail('README: every HandshakeTest is valid');
  return r.failures;
};

export const evalEphemeral: Evaluator = (_g, t) => {
  const r = new Report();
  const priv = hedgedEphemeral(hex(t, 'psk'), t.selfId, t.epoch, t.counter, hex(t, 'random'));
  r.hex('ephemeralPrivate', priv, t.ephemeralPrivate);
  r.hex('ephemeralPublic', x25519Base(priv), t.ephemeralPublic);
  return r.failures;
};

export const evalInitiation: Evaluator = (g, t) => {
  const r = new Report();
  const problems: string[] = [];
  const rx = buildReceiver({ ...g, receiver: g.responder, maxDatagram: 1500, windowSize: 64, durableMaxEpochs: false, contexts: [], persistedMaxEpochs: [] }, problems);
  for (const p of problems) r.fail(`group: ${p}`);
  const stamps = new Map<string, [number, number]>((g.timestamps ?? []).map((s: Json) => [s.peer, [s.epoch, s.counter]]));
  const cfg = {
    self: g.responder,
    keyFor: (peer: string, gen: number) => { const k = rx.keyFor(peer, gen); return 'key' in k ? { key: k.key } : { reason: k.reason as string }; },
    sessionDisabled: g.sessionDisabled ?? [],
    lastTimestamp: (peer: string) => stamps.get(peer),
    budgetLeft: g.rateLimited !== true,
  };
  const m = hex(t, 'initiation');
  const out = respond(cfg, m, hex(t, 'responderEphemeral'), t.responderIndex);
  if (t.result === 'valid') {
    if (!out.ok) { r.fail(`valid, but this checker drops it: ${out.reason} at step ${out.step}`); return r.failures; }
    const e = t.expected ?? {};
    r.eq('expected (initiator, gen, timestamp, index)', { initiator: out.initiator, gen: out.gen, timestamp: { epoch: out.epoch, counter: out.counter }, initiatorIndex: out.initiatorIndex },
      { initiator: e.initiator, gen: e.gen, timestamp: e.timestamp, initiatorIndex: e.initiatorIndex });
    r.hex('expected.response', out.response, e.response);
    r.eq('expected keys', keysJson(out.keys), { keyIR: e.keyIR, keyRI: e.keyRI, handshakeHash: e.handshakeHash });
    if (out.response.length > m.length) r.fail('response longer than the initiation [SW-13.5-2]');
  } else if (out.ok) r.fail('invalid, but this checker accepts it');
  else if (out.reason !== t.reason) r.fail(`reason: computed ${out.reason} (step ${out.step}), vector says ${t.reason}`);
  return r.failures;
};

export const evalResponse: Evaluator = (g, t) => {
  const r = new Report();
  const pending = pendingOf(g, fromHex(g.initiatorEphemeral, 'initiatorEphemeral'));
  r.hex('group.initiation', pending.m1, g.initiation);
  const out = finish(pending, hex(t, 'response'));
  if (t.result === 'valid') {
    if (!out.ok) { r.fail(`valid, but this checker drops it: ${out.reason} at step ${out.step}`); return r.failures; }
    r.eq('expected', { responderIndex: out.responderIndex, ...keysJson(out.keys) }, t.expected);
  } else if (out.ok) r.fail('invalid, but this checker accepts it');
  else if (out.reason !== t.reason) r.fail(`reason: computed ${out.reason} (step ${out.step}), vector says ${t.reason}`);
  return r.failures;
};

export const evalRekey: Evaluator = (_g, t) => {
  const r = new Report();
  r.eq('action', rekeyDecision(t.role, t.createdAtMs, t.nowMs, t.messagesSent), t.action);
  return r.failures;
};
