// File-level shape of a vector file (conformance/README.md "Common shape").
// Contract: checkShape(file, json, specIds) returns one message per violation of:
// - the top-level fields and their types; specVersion "1" (spec/README.md "Versioning": version 1, frozen);
// - numberOfTests equal to the real number of tests;
// - tcId 1, 2, 3, … continuous within the file, in file order;
// - every test's flags are keys of `notes`; every note has bugType and description strings;
// - every test has a comment, a non-empty specRefs whose ids all exist in spec/;
// - result is exactly "valid" or "invalid"; a `reason`, where present, is a drop reason of 6.2;
// - group types are the ones README assigns to that file.
import { DROP_REASONS } from './constants.js';
import { SESSION_DROP_REASONS } from './handshake.js';

/** The drop reasons section 19 adds (19.5, 19.6, 19.7), for multicast.json only. */
const GROUP_DROP_REASONS = ['BAD_TYPE', 'WRONG_TIER', 'BAD_SIGNATURE', 'VERIFY_LIMIT', 'SENDER_LIMIT', 'REPLY_BUDGET', 'REPLY_TOO_LARGE', 'UNSOLICITED'];

/** Group types per file, from the README's "Files" and "Group types" sections. */
export const FILE_GROUP_TYPES: Record<string, string[]> = {
  'hmac_hkdf_sha512.json': ['HmacSha512Test', 'HkdfSha512Test'],
  'key_derivation.json': ['DeviceKeyTest', 'TrafficKeyTest'],
  'secretbox.json': ['SecretboxTest'],
  'datagram_seal.json': ['SealTest'],
  'datagram_open.json': ['OpenTest'],
  'replay_window.json': ['WindowScenario', 'EpochScenario'],
  'handshake.json': ['HandshakeTest', 'EphemeralTest', 'InitiationTest', 'ResponseTest', 'RekeyTest'],
  'reliability.json': ['RelFrameTest', 'RelScenario'],
  'reliability_device.json': ['RelDeviceScenario'],
  'message_ops.json': ['OpCodecTest'],
  'cookie.json': ['CookieMessageTest', 'CookieAnswerTest', 'CookieMatchTest'],
  'multicast.json': ['GroupKeyTest', 'SenderKeyTest', 'DiscoveryKeyTest', 'GrantTest', 'GroupSealTest', 'GroupOpenTest', 'GroupReceiveScenario', 'ScoutTest', 'AnnounceTest'],
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

export function checkShape(file: string, doc: unknown, specIds: Set<string>): string[] {
  const f: string[] = [];
  if (!isObj(doc)) return ['file is not a JSON object'];
  for (const k of ['algorithm', 'schema', 'generatorVersion', 'specVersion'])
    if (typeof doc[k] !== 'string') f.push(`top-level ${k} missing or not a string`);
  if (doc.specVersion !== undefined && doc.specVersion !== '1') f.push(`specVersion ${JSON.stringify(doc.specVersion)} is not "1"`);
  if (!Array.isArray(doc.header) || !doc.header.every((h) => typeof h === 'string')) f.push('header is not an array of strings');
  const notes = isObj(doc.notes) ? doc.notes : {};
  if (!isObj(doc.notes)) f.push('notes missing or not an object');
  for (const [flag, n] of Object.entries(notes))
    if (!isObj(n) || typeof n.bugType !== 'string' || typeof n.description !== 'string') f.push(`note ${flag} lacks bugType/description strings`);
  if (!Array.isArray(doc.testGroups)) return [...f, 'testGroups missing or not an array'];

  const allowed = FILE_GROUP_TYPES[file];
  if (!allowed) f.push(`file ${file} is not one of the files listed in conformance/README.md`);
  let count = 0;
  for (const [gi, g] of doc.testGroups.entries()) {
    if (!isObj(g)) { f.push(`group ${gi} is not an object`); continue; }
    if (allowed && !allowed.includes(g.type as string)) f.push(`group ${gi}: type ${JSON.stringify(g.type)} does not belong in ${file}`);
    if (!Array.isArray(g.tests)) { f.push(`group ${gi}: tests missing`); continue; }
    for (const t of g.tests) {
      count++;
      const id = isObj(t) ? t.tcId : undefined;
      const where = `tcId ${JSON.stringify(id)} (position ${count})`;
      if (!isObj(t)) { f.push(`${where}: not an object`); continue; }
      if (t.tcId !== count) f.push(`${where}: tcIds are not 1..N continuous (expected ${count})`);
      if (typeof t.comment !== 'string') f.push(`${where}: comment missing`);
      if (t.result !== 'valid' && t.result !== 'invalid') f.push(`${where}: result ${JSON.stringify(t.result)} is not valid/invalid`);
      if (!Array.isArray(t.flags)) f.push(`${where}: flags missing or not an array`);
      else for (const fl of t.flags) {
        if (typeof fl !== 'string' || !(fl in notes)) f.push(`${where}: flag ${JSON.stringify(fl)} is not in notes`);
      }
      if (!Array.isArray(t.specRefs) || t.specRefs.length === 0) f.push(`${where}: specRefs missing or empty`);
      else for (const r of t.specRefs)
        if (typeof r !== 'string' || !specIds.has(r)) f.push(`${where}: specRef ${JSON.stringify(r)} does not exist in spec/`);
      if ('reason' in t) {
        if (t.result !== 'invalid') f.push(`${where}: reason given on a test whose result is not "invalid"`);
        const groupReasons = file === 'multicast.json' ? GROUP_DROP_REASONS : [];
        if (![...DROP_REASONS, ...SESSION_DROP_REASONS, ...groupReasons].includes(t.reason as never)) f.push(`${where}: reason ${JSON.stringify(t.reason)} is not a drop reason of 6.2 or 13.10${groupReasons.length > 0 ? ' or 19' : ''}`);
      }
    }
  }
  if (doc.numberOfTests !== count) f.push(`numberOfTests ${JSON.stringify(doc.numberOfTests)} but the file has ${count} tests`);
  return f;
}

/** Notes that no test uses (reported as information, not as a failure). */
export function unusedNotes(doc: unknown): string[] {
  if (!isObj(doc) || !isObj(doc.notes) || !Array.isArray(doc.testGroups)) return [];
  const used = new Set<string>();
  for (const g of doc.testGroups) if (isObj(g) && Array.isArray(g.tests)) for (const t of g.tests) if (isObj(t) && Array.isArray(t.flags)) for (const fl of t.flags) used.add(fl);
  return Object.keys(doc.notes).filter((k) => !used.has(k));
}
