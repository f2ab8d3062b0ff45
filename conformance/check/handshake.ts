/**
 * Maps handshake.json onto the SDK (src/session/handshake): runs each group type and renders the
 * result in the vector format. Used by the generator (to compute expectations) and by check/sdk.ts
 * (to compare them), once per crypto backend. check/independent/ evaluates the same vectors
 * without any SDK code.
 */
import { encodeShortHeader, fromHex, PairKeyring, sealDatagram, SiteKeyring, toHex, type CryptoSuite, type Keyring } from '../../src/core.js';
import {
  consumeInitiation,
  consumeResponse,
  createInitiation,
  directionalKeys,
  ephemeralKeyPair,
  hedgedEphemeral,
  rekeyAction,
  type InitiationResult,
  type ResponseResult,
  type Session,
  type Timestamp,
  type TraceStep,
} from '../../src/session/handshake/index.js';

/** The time every handshake vector is evaluated at; grace deadlines are set around it. */
export const HS_NOW = 1000;

type Json = Record<string, any>;
type Rendered = { result: 'valid'; expected: Json } | { result: 'invalid'; reason: string };

const h = (s: string): Uint8Array => fromHex(s);

export function traceJson(steps: TraceStep[]): Json[] {
  return steps.map((s) => ({ op: s.op, ck: toHex(s.ck), h: toHex(s.h), ...(s.k ? { k: toHex(s.k) } : {}) }));
}

function sessionJson(s: Session): Json {
  const k = directionalKeys(s);
  return { keyIR: toHex(k.initiatorToResponder), keyRI: toHex(k.responderToInitiator), handshakeHash: toHex(s.handshakeHash) };
}

/** The SDK keyring of an InitiationTest group (same shape as OpenTest's keyring and generations). */
export function groupKeyring(suite: CryptoSuite, g: Json): Keyring {
  let keyring: Keyring;
  if (g.keyring.mode === 'site') keyring = new SiteKeyring(suite, h(g.keyring.siteKey));
  else {
    const pk = new PairKeyring();
    for (const e of g.keyring.pairKeys) pk.add(e.peer, e.gen, h(e.key));
    keyring = pk;
  }
  for (const [peer, p] of Object.entries(g.generations as Record<string, Json>)) {
    keyring.generations.set(peer, {
      current: p.current,
      ...(p.previous === undefined ? {} : { previous: p.previous, previousUntil: p.previousInGrace ? HS_NOW + 1 : HS_NOW }),
    });
  }
  return keyring;
}

/** Runs an InitiationTest: the responder of group `g` receives `t.initiation`. */
export function runInitiation(suite: CryptoSuite, g: Json, t: Json): InitiationResult {
  const keyring = groupKeyring(suite, g);
  const stamps = new Map<string, Timestamp>((g.timestamps as Json[]).map((s) => [s.peer, { epoch: s.epoch, counter: s.counter }]));
  return consumeInitiation(h(t.initiation), {
    suite,
    selfId: g.responder,
    lookup: (peer, gen) => {
      const k = keyring.lookup(peer, gen, HS_NOW);
      if (!k.ok) return k;
      return (g.sessionDisabled as string[]).includes(peer) ? { ok: false, reason: 'SESSION_DISABLED' } : { ok: true, psk: k.pairKey };
    },
    lastTimestamp: (peer) => stamps.get(peer),
    rateLimiter: { take: () => !g.rateLimited },
    localIndex: t.responderIndex,
    now: HS_NOW,
    ephemeralPrivate: h(t.responderEphemeral),
  });
}

export function renderInitiation(r: InitiationResult): Rendered {
  if (!r.ok) return { result: 'invalid', reason: r.reason };
  return {
    result: 'valid',
    expected: {
      initiator: r.initiatorId,
      gen: r.gen,
      timestamp: r.timestamp,
      initiatorIndex: r.session.remoteIndex,
      response: toHex(r.response),
      ...sessionJson(r.session),
    },
  };
}

/** The initiator's pending state of a ResponseTest group, rebuilt from its inputs. */
export function responseGroupState(suite: CryptoSuite, g: Json): ReturnType<typeof createInitiation> {
  return createInitiation({
    suite,
    selfId: g.initiator,
    peerId: g.responder,
    gen: g.gen,
    psk: h(g.psk),
    timestamp: g.timestamp,
    localIndex: g.initiatorIndex,
    ephemeralPrivate: h(g.initiatorEphemeral),
  });
}

export function runResponse(suite: CryptoSuite, g: Json, t: Json): ResponseResult {
  return consumeResponse(responseGroupState(suite, g).state, h(t.response), { suite, now: HS_NOW });
}

export function renderResponse(r: ResponseResult): Rendered {
  if (!r.ok) return { result: 'invalid', reason: r.reason };
  return { result: 'valid', expected: { responderIndex: r.session.remoteIndex, ...sessionJson(r.session) } };
}

/** Every output of a HandshakeTest from its inputs: both messages, the transcript, the keys. */
export function runHandshake(suite: CryptoSuite, t: Json): Json {
  const init: TraceStep[] = [];
  const resp: TraceStep[] = [];
  const psk = h(t.psk);
  const { bytes, state } = createInitiation({
    suite,
    selfId: t.initiator,
    peerId: t.responder,
    gen: t.gen,
    psk,
    timestamp: t.timestamp,
    localIndex: t.initiatorIndex,
    ephemeralPrivate: h(t.initiatorEphemeral),
    trace: init,
  });
  const r = consumeInitiation(bytes, {
    suite,
    selfId: t.responder,
    lookup: () => ({ ok: true, psk }),
    lastTimestamp: () => undefined,
    localIndex: t.responderIndex,
    now: HS_NOW,
    ephemeralPrivate: h(t.responderEphemeral),
    trace: resp,
  });
  if (!r.ok) throw new Error(`responder refused: ${r.reason}`);
  const c = consumeResponse(state, r.response, { suite, now: HS_NOW });
  if (!c.ok) throw new Error(`initiator refused: ${c.reason}`);
  if (toHex(c.session.handshakeHash) !== toHex(r.session.handshakeHash)) throw new Error('the two sides disagree');
  for (const [i, s] of init.entries()) if (toHex(s.h) !== toHex(resp[i]!.h)) throw new Error(`transcripts differ at step ${i}`);
  const ePubI = ephemeralKeyPair(suite, h(t.initiatorEphemeral)).publicKey;
  const ePubR = ephemeralKeyPair(suite, h(t.responderEphemeral)).publicKey;
  const keys = directionalKeys(c.session);
  const first = (t.firstDatagrams as Json[]).map((d) => {
    const fromInitiator = d.from === 'initiator';
    const header = encodeShortHeader(fromInitiator ? t.responderIndex : t.initiatorIndex, d.counter);
    const key = fromInitiator ? keys.initiatorToResponder : keys.responderToInitiator;
    return { from: d.from, counter: d.counter, plaintext: d.plaintext, datagram: toHex(sealDatagram(suite, key, header, 'SHORT', h(d.plaintext))) };
  });
  // The responder's trace starts with the steps that repeat the initiator's; keep only the response's.
  return {
    intermediate: {
      initiatorEphemeralPublic: toHex(ePubI),
      responderEphemeralPublic: toHex(ePubR),
      dh: toHex(suite.scalarMult(h(t.initiatorEphemeral), ePubR)),
      initiation: traceJson(init),
      response: traceJson(resp.slice(init.length)),
    },
    initiation: toHex(bytes),
    response: toHex(r.response),
    sizes: { initiation: bytes.length, response: r.response.length },
    session: sessionJson(c.session),
    firstDatagrams: first,
  };
}

export function runEphemeral(suite: CryptoSuite, t: Json): Json {
  const priv = hedgedEphemeral(suite, h(t.psk), t.selfId, { epoch: t.epoch, counter: t.counter }, h(t.random));
  return { ephemeralPrivate: toHex(priv), ephemeralPublic: toHex(ephemeralKeyPair(suite, priv).publicKey) };
}

const pick = (t: Json, keys: string[]): Json => Object.fromEntries(keys.map((k) => [k, t[k]]));
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Checks one handshake.json test with the SDK; a message on disagreement, undefined if it agrees. */
export function checkHandshakeVector(suite: CryptoSuite, g: Json, t: Json): string | undefined {
  const want = (): Rendered => (t.result === 'valid' ? { result: 'valid', expected: t.expected } : { result: 'invalid', reason: t.reason });
  switch (g.type) {
    case 'HandshakeTest': {
      const got = runHandshake(suite, t);
      const keys = ['intermediate', 'initiation', 'response', 'sizes', 'session', 'firstDatagrams'];
      if (t.sizes.response > t.sizes.initiation) return 'response longer than initiation [SW-13.5-2]';
      return same(got, pick(t, keys)) ? undefined : 'handshake outputs differ';
    }
    case 'InitiationTest': {
      const got = renderInitiation(runInitiation(suite, g, t));
      return same(got, want()) ? undefined : `got ${JSON.stringify(got).slice(0, 160)}`;
    }
    case 'ResponseTest': {
      if (toHex(responseGroupState(suite, g).bytes) !== g.initiation) return 'group initiation does not match its inputs';
      const got = renderResponse(runResponse(suite, g, t));
      return same(got, want()) ? undefined : `got ${JSON.stringify(got).slice(0, 160)}`;
    }
    case 'EphemeralTest':
      return same(runEphemeral(suite, t), pick(t, ['ephemeralPrivate', 'ephemeralPublic'])) ? undefined : 'ephemeral differs';
    case 'RekeyTest': {
      const a = rekeyAction(t.nowMs, { role: t.role, createdAt: t.createdAtMs, messagesSent: t.messagesSent });
      return a === t.action ? undefined : `got ${a}`;
    }
    default:
      return undefined;
  }
}

/** Group types of handshake.json. */
export const HANDSHAKE_GROUP_TYPES = ['HandshakeTest', 'EphemeralTest', 'InitiationTest', 'ResponseTest', 'RekeyTest'];
