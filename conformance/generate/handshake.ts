/**
 * handshake.json: the session handshake of spec 13. Complete handshakes with every intermediate
 * value, hedged ephemerals, the rekey decision, and (handshake-cases.ts) initiations and responses
 * that must be accepted or dropped for a stated reason. Deterministic: seeded, fixed ephemerals.
 */
import { deriveDeviceKey, encodeFrames } from '../../src/core.js';
import {
  REJECT_AFTER_TIME_MS,
  REKEY_AFTER_MESSAGES,
  REKEY_AFTER_TIME_MS,
  REKEY_RESPONDER_DELAY_MS,
} from '../../src/session/handshake/constants.js';
import { rekeyAction, type RekeyAction, type SessionRole } from '../../src/session/handshake/index.js';
import { runEphemeral, runHandshake } from '../check/handshake.js';
import { hex, Seeded, suite, text, VectorFile } from './common.js';
import { initiationCases, responseCases } from './handshake-cases.js';

const ID32 = 'abcdefghijklmnopqrstuvwxyz-_0123';

const NOTES = {
  Normal: { bugType: 'BASIC', description: 'A typical handshake or message.' },
  HubInitiates: { bugType: 'FUNCTIONALITY', description: 'The hub is the initiator: the psk is still the pair key of (initiator id, gen) as the responder looks it up.' },
  ProvisionedKey: { bugType: 'FUNCTIONALITY', description: 'Two devices with a provisioned pair key.' },
  IdBoundary: { bugType: 'EDGE_CASE', description: 'Initiator id of 1 or 32 characters: the shortest (65 B) and longest (96 B) initiation.' },
  GenBoundary: { bugType: 'EDGE_CASE', description: 'Generation 255, or a previous generation still in grace.' },
  TimestampBoundary: { bugType: 'EDGE_CASE', description: 'Timestamp epoch 2^32-1 and counter 2^32-2, the largest a node may use.' },
  IndexBoundary: { bugType: 'EDGE_CASE', description: 'Receiver index 1 or 2^32-1.' },
  Hedge: { bugType: 'FUNCTIONALITY', description: 'Hedged ephemeral derivation [SW-13.3-1].' },
  WeakRng: { bugType: 'WEAK_PARAMS', description: 'The RNG output repeats or is all zero; the ephemeral must still differ [SW-13.3-1].' },
  Replay: { bugType: 'DEFINED', description: 'The timestamp equals or precedes the greatest accepted from that initiator [SW-13.6-2].' },
  LowOrderPoint: { bugType: 'EDGE_CASE', description: 'A public key of small order: the DH output is all zero and must be rejected [SW-13.2-1].' },
  ModifiedHeader: { bugType: 'AUTH_BYPASS', description: 'A clear header byte (first byte, TYPE, GEN, SID_LEN, id, receiver index) was changed.' },
  ModifiedEphemeral: { bugType: 'AUTH_BYPASS', description: 'A bit of the clear ephemeral public key was changed.' },
  ModifiedBox: { bugType: 'AUTH_BYPASS', description: 'A byte of the tag or ciphertext was changed.' },
  Truncated: { bugType: 'MODIFIED_PARAMETER', description: 'The message was cut short.' },
  Extended: { bugType: 'MODIFIED_PARAMETER', description: 'Bytes were appended: lengths are exact, and a response never exceeds 58 B [SW-13.5-2].' },
  WrongKey: { bugType: 'AUTH_BYPASS', description: 'Built with another psk, or for another initiation.' },
  WrongResponder: { bugType: 'AUTH_BYPASS', description: 'Addressed to another node holding the same psk: the prologue lp(R) differs.' },
  KeyId: { bugType: 'DEFINED', description: 'The (initiator id, gen) has no usable pair key, or is the responder itself [SW-6.1-6].' },
  SessionDisabled: { bugType: 'DEFINED', description: 'The peer is not configured for session mode [SW-13.8-13].' },
  RateLimit: { bugType: 'DEFINED', description: 'The responder budget is used up; earlier checks still decide first [SW-13.6-4].' },
  MalformedPayload: { bugType: 'DEFINED', description: 'Authentic, but the decrypted payload has epoch 0, counter 2^32-1 or index 0.' },
  RekeyTime: { bugType: 'FUNCTIONALITY', description: 'The rekey decision by age and role.' },
  RekeyMessages: { bugType: 'FUNCTIONALITY', description: 'The rekey decision by datagrams sealed.' },
  Expiry: { bugType: 'DEFINED', description: 'REJECT_AFTER_TIME or REJECT_AFTER_MESSAGES reached: the session is expired.' },
};

export type HandshakeNotes = keyof typeof NOTES;

export function handshakeVectors(): VectorFile {
  const f = new VectorFile(
    'handshake.json',
    'Saltwire session handshake (NNpsk0 shape, X25519, HMAC-SHA-512, XSalsa20-Poly1305)',
    'saltwire_handshake_schema_v1',
    [
      'Spec section 13: -> psk, e / <- e, ee. Intermediate values are ck and h after every step of 13.2.',
      'Ephemeral private keys are fixed inputs; implementations that derive them (13.3) are checked by EphemeralTest.',
      'Times are in milliseconds; InitiationTest and ResponseTest are evaluated at time 1000.',
    ],
    NOTES,
  );
  const rnd = new Seeded('handshake');
  const site = rnd.bytes(32);
  const dk = (id: string, gen = 0): Uint8Array => deriveDeviceKey(suite, site, id, gen);
  const hello = hex(encodeFrames([{ type: 'DATAGRAM', data: text('21.5') }]));

  const full = f.group('HandshakeTest', { siteKey: hex(site) });
  const hs = (
    initiator: string,
    responder: string,
    gen: number,
    psk: Uint8Array,
    timestamp: { epoch: number; counter: number },
    flags: HandshakeNotes[],
    comment: string,
    indexes: [number, number] = [rnd.u32() || 1, rnd.u32() || 1],
  ): void => {
    const t = {
      initiator,
      responder,
      gen,
      psk: hex(psk),
      initiatorEphemeral: hex(rnd.bytes(32)),
      responderEphemeral: hex(rnd.bytes(32)),
      timestamp,
      initiatorIndex: indexes[0],
      responderIndex: indexes[1],
      firstDatagrams: [
        { from: 'initiator', counter: 0, plaintext: '' },
        { from: 'responder', counter: 0, plaintext: hello },
      ],
    };
    const out = runHandshake(suite, t);
    if (out.sizes.response > out.sizes.initiation) throw new Error('amplification');
    const specRefs = ['SW-13.2-3', 'SW-13.2-4', 'SW-13.4-2', 'SW-13.5-1', 'SW-13.5-2', 'SW-13.8-1', 'SW-13.8-2'];
    const { firstDatagrams: _plaintexts, ...inputs } = t; // written back, with the datagrams, by `out`
    full({ comment, flags, specRefs, ...inputs, ...out, result: 'valid' });
  };
  hs('sensor-1', 'hub', 0, dk('sensor-1'), { epoch: 1, counter: 0 }, ['Normal'], 'device to hub, first handshake after provisioning; psk = DK(sensor-1, 0)');
  hs('hub', 'sensor-1', 0, dk('sensor-1'), { epoch: 7, counter: 3 }, ['HubInitiates'], 'hub to device; psk = DK(sensor-1, 0)');
  hs('a', 'hub', 0, dk('a'), { epoch: 2, counter: 1 }, ['IdBoundary'], 'one-character id: 65-byte initiation, 58-byte response');
  hs(ID32, 'hub', 0, dk(ID32), { epoch: 2, counter: 1 }, ['IdBoundary'], '32-character id: 96-byte initiation, 58-byte response');
  hs('sensor-9', 'hub', 255, dk('sensor-9', 255), { epoch: 3, counter: 0 }, ['GenBoundary'], 'generation 255');
  hs('sensor-1', 'hub', 0, dk('sensor-1'), { epoch: 0xffffffff, counter: 0xfffffffe }, ['TimestampBoundary'], 'largest timestamp a node may send');
  hs('dev-a', 'dev-b', 4, rnd.bytes(32), { epoch: 12, counter: 9 }, ['ProvisionedKey'], 'provisioned pair key between two devices, generation 4');
  hs('sensor-1', 'hub', 0, dk('sensor-1'), { epoch: 1, counter: 1 }, ['IndexBoundary'], 'indexes 1 and 2^32-1', [1, 0xffffffff]);

  const eph = f.group('EphemeralTest', {});
  const psk = dk('sensor-1');
  const r0 = rnd.bytes(32);
  const ephCases: Array<[string, number, number, Uint8Array, HandshakeNotes[], string]> = [
    ['sensor-1', 5, 0, r0, ['Hedge'], 'typical: fresh random bytes'],
    ['sensor-1', 5, 1, r0, ['WeakRng'], 'the same random bytes at the next counter: another key'],
    ['sensor-1', 6, 0, r0, ['WeakRng'], 'the same random bytes in the next epoch: another key'],
    ['hub', 5, 0, r0, ['WeakRng'], 'the other node of the pair, same psk, epoch, counter and random bytes: another key'],
    ['sensor-1', 5, 2, new Uint8Array(32), ['WeakRng'], 'an RNG that returns zeros'],
  ];
  for (const [selfId, epoch, counter, random, flags, comment] of ephCases) {
    const t = { psk: hex(psk), selfId, epoch, counter, random: hex(random) };
    eph({ comment, flags, specRefs: ['SW-13.3-1'], ...t, ...runEphemeral(suite, t), result: 'valid' });
  }

  initiationCases(f, rnd, site);
  responseCases(f, rnd, site);

  const rk = f.group('RekeyTest', {});
  const T0 = 10_000;
  const rekey = (role: SessionRole, age: number, sent: number, want: RekeyAction, flags: HandshakeNotes[], comment: string): void => {
    const action = rekeyAction(T0 + age, { role, createdAt: T0, messagesSent: sent });
    if (action !== want) throw new Error(`rekey: ${comment}: got ${action}`);
    rk({ comment, flags, specRefs: ['SW-13.9-1', 'SW-13.9-2'], role, createdAtMs: T0, nowMs: T0 + age, messagesSent: sent, action, result: 'valid' });
  };
  const RA = REKEY_AFTER_TIME_MS;
  rekey('initiator', 0, 0, 'keep', ['RekeyTime'], 'new session');
  rekey('initiator', RA - 1, 0, 'keep', ['RekeyTime'], 'initiator, just before REKEY_AFTER_TIME');
  rekey('initiator', RA, 0, 'rekey', ['RekeyTime'], 'initiator at REKEY_AFTER_TIME');
  rekey('responder', RA, 0, 'keep', ['RekeyTime'], 'responder at REKEY_AFTER_TIME: not yet');
  rekey('responder', RA + REKEY_RESPONDER_DELAY_MS - 1, 0, 'keep', ['RekeyTime'], 'responder just before its rekey age');
  rekey('responder', RA + REKEY_RESPONDER_DELAY_MS, 0, 'rekey', ['RekeyTime'], 'responder at REKEY_AFTER_TIME + REKEY_RESPONDER_DELAY');
  rekey('initiator', REJECT_AFTER_TIME_MS - 1, 0, 'rekey', ['RekeyTime'], 'just before REJECT_AFTER_TIME');
  rekey('responder', REJECT_AFTER_TIME_MS, 0, 'expire', ['Expiry'], 'at REJECT_AFTER_TIME');
  rekey('initiator', -5_000, 0, 'keep', ['RekeyTime'], 'clock stepped back: negative age');
  rekey('responder', 1, REKEY_AFTER_MESSAGES - 1, 'keep', ['RekeyMessages'], 'one datagram before REKEY_AFTER_MESSAGES');
  rekey('responder', 1, REKEY_AFTER_MESSAGES, 'rekey', ['RekeyMessages'], 'REKEY_AFTER_MESSAGES datagrams sealed, responder role too');
  rekey('initiator', 1, 0xfffffffe, 'rekey', ['RekeyMessages'], 'last counter still usable');
  rekey('initiator', 1, 0xffffffff, 'expire', ['Expiry'], 'REJECT_AFTER_MESSAGES (COUNTER_LIMIT) datagrams sealed');
  return f;
}
