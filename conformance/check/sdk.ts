/**
 * Runs every vector through the SDK, once per crypto backend. The counterpart of
 * check/independent/, which shares no code with the SDK.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  deriveDeviceKey,
  deriveTrafficKey,
  deviceKeyInfo,
  encodeFullHeader,
  encodeShortHeader,
  fromHex,
  hkdfExpand,
  hkdfExtract,
  hmacSha512,
  nonceOf,
  ReplayWindow,
  sealDatagram,
  toHex,
  trafficKeyInfo,
  VERSION,
  type CryptoSuite,
} from '../../src/core.js';
import { buildReceiver, NOW, renderOpen, type OpenGroup } from '../sdk-adapter.js';
import { checkCookieVector, COOKIE_GROUP_TYPES } from './cookie.js';
import { checkHandshakeVector, HANDSHAKE_GROUP_TYPES } from './handshake.js';
import { checkMessageOpVector, MESSAGE_OPS_GROUP_TYPES } from './message-ops.js';
import { checkMulticastVector, MULTICAST_GROUP_TYPES } from './multicast.js';
import { checkReliabilityVector, RELIABILITY_GROUP_TYPES } from './reliability.js';
import { checkReliabilityDeviceVector, RELIABILITY_DEVICE_GROUP_TYPES } from './reliability-device.js';

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };
type Group = Record<string, any> & { type: string; tests: Test[] };

const h = (s: string): Uint8Array => fromHex(s);
/** An id field (README): a JSON string, or an invalid id as the hex of its UTF-8 bytes under `<name>Hex`. */
const id = (t: Test, name: string): string => (typeof t[name] === 'string' ? (t[name] as string) : new TextDecoder().decode(h(t[`${name}Hex`])));
const eq = (a: Uint8Array, b: string): boolean => toHex(a) === b;
const throws = (f: () => unknown): boolean => {
  try {
    f();
    return false;
  } catch {
    return true;
  }
};

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
function checkTest(suite: CryptoSuite, g: Group, t: Test): string | undefined {
  const valid = t.result === 'valid';
  switch (g.type) {
    case 'HmacSha512Test':
      return eq(hmacSha512(suite, h(t.key), h(t.msg)), t.tag) === valid ? undefined : 'tag';
    case 'HkdfSha512Test': {
      const prk = hkdfExtract(suite, h(t.salt), h(t.ikm));
      return eq(prk, t.prk) && eq(hkdfExpand(suite, prk, h(t.info), t.size), t.okm) ? undefined : 'prk/okm';
    }
    case 'DeviceKeyTest':
      if (!valid) return throws(() => deriveDeviceKey(suite, h(t.siteKey), id(t, 'deviceId'), t.gen)) ? undefined : 'derivation not refused';
      return eq(deviceKeyInfo(t.deviceId, t.gen), t.info) && eq(deriveDeviceKey(suite, h(t.siteKey), t.deviceId, t.gen), t.deviceKey) ? undefined : 'key';
    case 'TrafficKeyTest':
      if (!valid) return throws(() => deriveTrafficKey(suite, h(t.pairKey), id(t, 'sender'), id(t, 'receiver'), t.epoch, h(t.boot))) ? undefined : 'not refused';
      return eq(trafficKeyInfo(t.sender, t.receiver, t.epoch, h(t.boot)), t.info) &&
        eq(deriveTrafficKey(suite, h(t.pairKey), t.sender, t.receiver, t.epoch, h(t.boot)), t.trafficKey)
        ? undefined
        : 'key';
    case 'SecretboxTest': {
      const opened = suite.open(h(t.key), h(t.nonce), h(t.box));
      if (!valid) return opened === null ? undefined : 'tampered box opened';
      return eq(suite.seal(h(t.key), h(t.nonce), h(t.msg)), t.box) && opened !== null && eq(opened, t.msg) ? undefined : 'box';
    }
    case 'SealTest': {
      const header = (): Uint8Array =>
        t.form === 'FULL' ? encodeFullHeader(t.gen, t.epoch, t.counter, h(t.boot), g.sender) : encodeShortHeader(t.index, t.counter);
      // A refusal may come from the header (epoch, counter, index) or the traffic key (S = R) [SW-4.6-4].
      if (!valid) return throws(() => (header(), deriveTrafficKey(suite, h(g.pairKey), g.sender, g.receiver, t.epoch, h(t.boot)))) ? undefined : 'seal not refused';
      const tk = deriveTrafficKey(suite, h(g.pairKey), g.sender, g.receiver, t.epoch, h(t.boot));
      const hd = header();
      const d = sealDatagram(suite, tk, hd, t.form, h(t.plaintext));
      const im = t.intermediate;
      return eq(tk, im.trafficKey) && eq(hd, im.header) && eq(nonceOf(hd, t.form), im.nonce) && eq(d, t.datagram) ? undefined : 'datagram';
    }
    case 'OpenTest': {
      const got = renderOpen(buildReceiver(g as unknown as OpenGroup, suite).open(h(t.datagram), NOW));
      const want = valid ? { result: 'valid', expected: t.expected } : { result: 'invalid', reason: t.reason, ...(t.stale === undefined ? {} : { stale: t.stale }) };
      return JSON.stringify(got) === JSON.stringify(want) ? undefined : `got ${JSON.stringify(got).slice(0, 160)}`;
    }
    case 'WindowScenario':
    case 'EpochScenario': {
      let win = new ReplayWindow(g.windowSize);
      let max = 0;
      for (const [i, s] of (t.steps as Array<{ epoch?: number; counter: number; authentic: boolean; expect: string }>).entries()) {
        const e = s.epoch ?? 1;
        let v: string;
        if (max !== 0 && e < max) v = 'STALE_EPOCH';
        else {
          v = e === max || max === 0 ? win.check(s.counter) : 'accept';
          if (v === 'accept' && !s.authentic) v = 'AUTH';
          if (v === 'accept') {
            if (e > max) {
              if (max !== 0) win = new ReplayWindow(g.windowSize);
              max = e;
            }
            win.update(s.counter);
          }
        }
        if (v !== s.expect) return `step ${i}: got ${v}, want ${s.expect}`;
      }
      return undefined;
    }
    default:
      if (HANDSHAKE_GROUP_TYPES.includes(g.type)) return checkHandshakeVector(suite, g, t);
      if (RELIABILITY_GROUP_TYPES.includes(g.type)) return checkReliabilityVector(g, t);
      if (RELIABILITY_DEVICE_GROUP_TYPES.includes(g.type)) return checkReliabilityDeviceVector(g, t);
      if (MESSAGE_OPS_GROUP_TYPES.includes(g.type)) return checkMessageOpVector(g, t);
      if (COOKIE_GROUP_TYPES.includes(g.type)) return checkCookieVector(suite, g, t);
      if (MULTICAST_GROUP_TYPES.includes(g.type)) return checkMulticastVector(suite, g, t);
      return `unknown group type ${g.type}`;
  }
}

export interface FileResult {
  file: string;
  tests: number;
  failures: string[];
}

export function checkSdk(vectorDir: string, suite: CryptoSuite): FileResult[] {
  return readdirSync(vectorDir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => {
      const v = JSON.parse(readFileSync(join(vectorDir, file), 'utf8')) as { specVersion?: unknown; testGroups: Group[] };
      const failures: string[] = [];
      // The file's specVersion is the SDK's wire version (spec README "Versioning": "1", frozen).
      if (v.specVersion !== String(VERSION)) failures.push(`specVersion ${JSON.stringify(v.specVersion)} is not "${VERSION}"`);
      let tests = 0;
      for (const g of v.testGroups) {
        for (const t of g.tests) {
          tests++;
          let msg: string | undefined;
          try {
            msg = checkTest(suite, g, t);
          } catch (e) {
            msg = `threw ${(e as Error).message}`;
          }
          if (msg !== undefined) failures.push(`tcId ${t.tcId} (${t.comment}): ${msg}`);
        }
      }
      return { file, tests, failures };
    });
}
