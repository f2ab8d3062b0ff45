// Entry point of the independent checker (conformance/README.md, check/independent/).
// Contract: checkIndependent(dir) reads every *.json in dir (sorted), checks its file-level shape
// (shape.ts) and evaluates every test with the evaluator of its group type, and returns one row per
// file: the number of tests seen and every failure (prefixed with the tcId). A file listed in the
// README but absent from dir is reported as a row with 0 tests and one failure. Shares no code with
// src/ (the SDK) and uses neither tweetnacl nor sodium-native.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evalCookieAnswer, evalCookieMatch, evalCookieMessage } from './evalcookie.js';
import { evalHkdf, evalHmac, evalSecretbox } from './evalcrypto.js';
import type { Evaluator } from './evalcommon.js';
import { evalEphemeral, evalHandshake, evalInitiation, evalRekey, evalResponse } from './evalhandshake.js';
import { evalDeviceKey, evalTrafficKey } from './evalkeys.js';
import { evalOpCodec } from './evalmessageops.js';
import { evalMulticast } from './evalmulticast.js';
import { evalOpen } from './evalopen.js';
import { evalEpochScenario, evalWindowScenario } from './evalscenarios.js';
import { evalRelFrame, evalRelScenario } from './evalreliability.js';
import { evalRelDeviceScenario } from './evaldevice.js';
import { evalSeal } from './evalseal.js';
import { initSodium } from './primitives.js';
import { checkShape, FILE_GROUP_TYPES } from './shape.js';
import { loadSpecIds } from './specids.js';

export interface FileResult { file: string; tests: number; failures: string[] }

export const EVALUATORS: Record<string, Evaluator> = {
  HmacSha512Test: evalHmac,
  HkdfSha512Test: evalHkdf,
  DeviceKeyTest: evalDeviceKey,
  TrafficKeyTest: evalTrafficKey,
  SecretboxTest: evalSecretbox,
  SealTest: evalSeal,
  OpenTest: evalOpen,
  WindowScenario: evalWindowScenario,
  EpochScenario: evalEpochScenario,
  HandshakeTest: evalHandshake,
  EphemeralTest: evalEphemeral,
  InitiationTest: evalInitiation,
  ResponseTest: evalResponse,
  RekeyTest: evalRekey,
  RelFrameTest: evalRelFrame,
  RelScenario: evalRelScenario,
  RelDeviceScenario: evalRelDeviceScenario,
  OpCodecTest: evalOpCodec,
  CookieMessageTest: evalCookieMessage,
  CookieAnswerTest: evalCookieAnswer,
  CookieMatchTest: evalCookieMatch,
  ...Object.fromEntries(['GroupKeyTest', 'SenderKeyTest', 'DiscoveryKeyTest', 'GrantTest', 'GroupSealTest', 'GroupOpenTest', 'GroupReceiveScenario', 'ScoutTest', 'AnnounceTest'].map((k) => [k, evalMulticast])),
};

export function checkDocument(file: string, doc: any, specIds: Set<string>): FileResult {
  const failures = checkShape(file, doc, specIds).map((m) => `shape: ${m}`);
  let tests = 0;
  for (const [gi, group] of (Array.isArray(doc?.testGroups) ? doc.testGroups : []).entries()) {
    const ev = EVALUATORS[group?.type];
    const list: any[] = Array.isArray(group?.tests) ? group.tests : [];
    if (!ev) failures.push(`group ${gi}: no evaluator for type ${JSON.stringify(group?.type)}`);
    for (const t of list) {
      tests++;
      if (!ev) continue;
      try {
        for (const m of ev(group, t)) failures.push(`tcId ${t?.tcId}: ${m}`);
      } catch (e) {
        failures.push(`tcId ${t?.tcId}: error: ${(e as Error).message}`);
      }
    }
  }
  return { file, tests, failures };
}

export async function checkIndependent(vectorDir: string): Promise<FileResult[]> {
  await initSodium();
  const specIds = loadSpecIds();
  let names: string[] = [];
  try {
    names = readdirSync(vectorDir).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const results: FileResult[] = [];
  for (const name of names) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(join(vectorDir, name), 'utf8'));
    } catch (e) {
      results.push({ file: name, tests: 0, failures: [`cannot parse: ${(e as Error).message}`] });
      continue;
    }
    results.push(checkDocument(name, doc, specIds));
  }
  if (names.length > 0)
    for (const expected of Object.keys(FILE_GROUP_TYPES))
      if (!names.includes(expected)) results.push({ file: expected, tests: 0, failures: ['file listed in conformance/README.md is missing'] });
  return results;
}
