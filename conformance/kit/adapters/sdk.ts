/**
 * The SDK's adapter for the conformance kit (conformance/README.md, "Writing an adapter"): one JSON
 * operation per line on stdin, one JSON reply per line on stdout. Every group of the protocol is
 * supported. `handle` is exported so that faulty.ts can wrap it.
 *
 *   node --import tsx conformance/kit/adapters/sdk.ts [--backend tweetnacl|sodium]
 */
import { createInterface } from 'node:readline';
import {
  deriveDeviceKey,
  deriveTrafficKey,
  encodeFullHeader,
  encodeShortHeader,
  fromHex,
  hkdfExpand,
  hkdfExtract,
  hmacSha512,
  ReplayWindow,
  sealDatagram,
  toHex,
  tweetnaclSuite,
  type CryptoSuite,
} from '../../../src/core.js';
import { decodeOp, encodeOp } from '../../../src/messaging/op-codec.js';
import { loadSodiumSuite } from '../../../src/node/crypto.js';
import { decodeRelFrames, encodeRelFrames, type RelFrame } from '../../../src/reliability/index.js';
import { opFromJson, opJson } from '../../generate/message-ops.js';
import { frameJson as relFrameJson, playScenario, type ScenarioConfig, type ScriptStep } from '../../generate/reliability.js';
import { playDeviceScenario, type DeviceScenarioConfig, type DeviceStep } from '../../generate/reliability-device.js';
import { buildReceiver, NOW, renderOpen, type OpenGroup } from '../../sdk-adapter.js';
import { Admission } from '../../../src/peer/admission.js';
import { rekeyAction } from '../../../src/session/handshake/index.js';
import { handleMulticast } from './sdk-multicast.js';
import { renderInitiation, renderResponse, runEphemeral, runHandshake, runInitiation, runResponse } from '../../check/handshake.js';
import type { Address } from '../../../src/transport/transport.js';
import { encodeCookie, parseCookieMessage } from '../../../src/wire/cookie.js';

export type Req = Record<string, any> & { id: number; op: string };
export type Reply = Record<string, unknown>;

const h = fromHex;
const utf8 = (hex: string): string => new TextDecoder().decode(h(hex));
const refused = (f: () => Reply): Reply => {
  try {
    return f();
  } catch {
    return { refused: true };
  }
};

function relFrameFromJson(f: Record<string, any>): RelFrame {
  return f.type === 'MSG' ? ({ ...f, data: h(f.data) } as RelFrame) : (f as RelFrame);
}

/** One verdict per step of a window or epoch scenario (spec 5.4, 5.5), with the SDK's ReplayWindow. */
export function windowVerdicts(windowSize: number, steps: Array<{ epoch?: number; counter: number; authentic: boolean }>): string[] {
  let win = new ReplayWindow(windowSize);
  let max = 0;
  return steps.map((s) => {
    const e = s.epoch ?? 1;
    if (max !== 0 && e < max) return 'STALE_EPOCH';
    let v: string = e === max || max === 0 ? win.check(s.counter) : 'accept';
    if (v === 'accept' && !s.authentic) v = 'AUTH';
    if (v === 'accept') {
      if (e > max) {
        if (max !== 0) win = new ReplayWindow(windowSize);
        max = e;
      }
      win.update(s.counter);
    }
    return v;
  });
}

export function sealHeader(r: Req): Uint8Array {
  return r.form === 'FULL' ? encodeFullHeader(r.gen, r.epoch, r.counter, h(r.boot), r.sender) : encodeShortHeader(r.index, r.counter);
}

const addr = (s: string): Address => ({ host: s.slice(0, s.lastIndexOf(':')), port: Number(s.slice(s.lastIndexOf(':') + 1)) });

/** A node's sending half of admission (6.6): what it sent, then the COOKIEs it receives (as check/cookie.ts). */
function cookieMatch(suite: CryptoSuite, r: Req): Reply {
  const sends: Uint8Array[] = [];
  const drops: string[] = [];
  const a = new Admission({ suite, send: (b) => sends.push(b), drop: (x) => drops.push(x), maxDatagram: 1500, mtu: 1472 }, { cookiePending: r.pendingSize });
  const w = a.watch({ local: addr('192.0.2.50:5000'), mtu: 1472, send: async () => undefined, onReceive: () => undefined, close: async () => undefined });
  for (const s of [...r.sent, ...(r.alsoSent ?? [])] as Array<{ to: string; datagram: string }>) void w.send(h(s.datagram), addr(s.to));
  const steps = (r.steps as Array<{ from: string; message: string }>).map((s) => {
    const [n, d] = [sends.length, drops.length];
    a.onMessage(h(s.message), addr(s.from), 0, () => undefined);
    return sends.length > n ? { echo: toHex(sends[sends.length - 1]!) } : { drop: drops[d] ?? 'none' };
  });
  return { steps };
}

/** The reply to one operation; throws only on a request it cannot read (reported as an error reply). */
export function handle(suite: CryptoSuite, r: Req): Reply {
  switch (r.op) {
    case 'hmac':
      return { tag: toHex(hmacSha512(suite, h(r.key), h(r.msg))) };
    case 'hkdf': {
      const prk = hkdfExtract(suite, h(r.salt), h(r.ikm));
      return { prk: toHex(prk), okm: toHex(hkdfExpand(suite, prk, h(r.info), r.size)) };
    }
    case 'secretbox.seal':
      return { box: toHex(suite.seal(h(r.key), h(r.nonce), h(r.msg))) };
    case 'secretbox.open': {
      const m = suite.open(h(r.key), h(r.nonce), h(r.box));
      return { msg: m === null ? null : toHex(m) };
    }
    case 'key.device':
      return refused(() => ({ deviceKey: toHex(deriveDeviceKey(suite, h(r.siteKey), utf8(r.deviceIdHex), r.gen)) }));
    case 'key.traffic':
      return refused(() => ({ trafficKey: toHex(deriveTrafficKey(suite, h(r.pairKey), utf8(r.senderHex), utf8(r.receiverHex), r.epoch, h(r.boot))) }));
    case 'seal':
      return refused(() => {
        const hd = sealHeader(r);
        const tk = deriveTrafficKey(suite, h(r.pairKey), r.sender, r.receiver, r.epoch, h(r.boot));
        return { datagram: toHex(sealDatagram(suite, tk, hd, r.form, h(r.plaintext))) };
      });
    case 'open': {
      const got = renderOpen(buildReceiver(r.receiver as OpenGroup, suite).open(h(r.datagram), NOW));
      return got.result === 'valid' ? { accept: got.expected } : { drop: got.reason, ...(got.stale === undefined ? {} : { stale: got.stale }) };
    }
    case 'window.run':
    case 'epoch.run':
      return { verdicts: windowVerdicts(r.windowSize, r.steps) };
    case 'frames.decode': {
      const f = decodeRelFrames(h(r.plaintext));
      return f === undefined ? { invalid: true } : { frames: f.map(relFrameJson) };
    }
    case 'frames.encode':
      return { plaintext: toHex(encodeRelFrames((r.frames as Array<Record<string, any>>).map(relFrameFromJson))) };
    case 'op.decode': {
      const o = decodeOp(h(r.encoded));
      return o === undefined ? { dropped: true } : { operation: opJson(o) };
    }
    case 'op.encode':
      return { encoded: toHex(encodeOp(opFromJson(r.operation))) };
    case 'cookie.parse': {
      const p = parseCookieMessage(h(r.message), r.maxDatagram);
      if (typeof p === 'string') return { drop: p };
      return { parsed: p.type === 'COOKIE' ? { type: p.type, echo: toHex(p.echo), cookie: toHex(p.cookie) } : { type: p.type, cookie: toHex(p.cookie), inner: toHex(p.inner) } };
    }
    case 'cookie.match':
      return cookieMatch(suite, r);
    case 'cookie.answer':
      return refused(() => ({ answer: toHex(encodeCookie(h(r.datagram), h(r.cookie))) }));
    case 'hs.run': {
      const o = runHandshake(suite, r);
      return { initiation: o.initiation, response: o.response, session: o.session, firstDatagrams: (o.firstDatagrams as Array<{ datagram: string }>).map((d) => d.datagram) };
    }
    case 'hs.initiation': {
      const o = renderInitiation(runInitiation(suite, r.responder, r));
      return o.result === 'valid' ? { accept: o.expected } : { drop: o.reason };
    }
    case 'hs.response': {
      const o = renderResponse(runResponse(suite, r.initiator, r));
      return o.result === 'valid' ? { accept: o.expected } : { drop: o.reason };
    }
    case 'hs.ephemeral':
      return runEphemeral(suite, r);
    case 'hs.rekey':
      return { action: rekeyAction(r.nowMs, { role: r.role, createdAt: r.createdAtMs, messagesSent: r.messagesSent }) };
    case 'rel.device.run':
      return { expects: playDeviceScenario(r.config as DeviceScenarioConfig, r.steps as DeviceStep[]).map((s) => s.expect) };
    case 'rel.full.run':
      return { expects: playScenario(r.config as ScenarioConfig, r.steps as ScriptStep[]).map((s) => s.expect) };
    default:
      return handleMulticast(suite, r) ?? { unsupported: true };
  }
}

/** Reads operations from stdin until its end, answering each with `handler`. */
export async function serve(handler: (r: Req) => Reply): Promise<void> {
  const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
  const out: string[] = [];
  let flushing = false;
  const flush = (): void => {
    flushing = false;
    if (out.length) process.stdout.write(`${out.splice(0).join('\n')}\n`);
  };
  for await (const line of rl) {
    if (line.trim() === '') continue;
    let reply: Reply;
    let id: unknown = null;
    try {
      const r = JSON.parse(line) as Req;
      id = r.id;
      reply = handler(r);
    } catch (e) {
      reply = { error: (e as Error).message };
    }
    out.push(JSON.stringify({ id, ...reply }));
    // Replies go out once the lines read so far are answered: batched for the vector mode, and never
    // held back from a caller that waits for each one (property mode).
    if (!flushing) {
      flushing = true;
      setImmediate(flush);
    }
  }
  flush();
}

export function suiteFromArgs(argv: readonly string[]): CryptoSuite {
  const i = argv.indexOf('--backend');
  if (i >= 0 && argv[i + 1] === 'sodium') {
    const s = loadSodiumSuite();
    if (s === undefined) process.exit(127); // that backend is not installed: unsupported, not failed
    return s;
  }
  return tweetnaclSuite;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const suite = suiteFromArgs(process.argv.slice(2));
  await serve((r) => handle(suite, r));
}
