/**
 * docs/wireshark/saltwire.lua (issue 18): the Wireshark dissector of the clear header, run by Lua
 * against a mock of the few Wireshark APIs it uses (test/docs/wireshark-mock.lua), on real FULL
 * and SHORT datagrams and on junk. Skipped where no lua5.4 is installed (.ci/run installs it).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const FULL = '5000000000010000000077b3d43d207e3c6c0873656e736f722d31edbb83e3e7f8ae9e3e05641010c316d05c8672482095bc981930';
const SHORT = '400ad42d6300000003b839a59011c8c8d7de1ec320918c65d799af82e18ab0f6535e281935fe694a96cfbb72bf0d9efcf4bacd9d69';

function hasLua(): boolean {
  try {
    execFileSync('lua5.4', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function dissect(hex: string): Map<string, string> {
  const out = execFileSync('lua5.4', [join(ROOT, 'test/docs/wireshark-mock.lua'), join(ROOT, 'docs/wireshark/saltwire.lua'), hex], { encoding: 'utf8' });
  return new Map(out.trim().split('\n').map((l) => l.split('\t') as [string, string]));
}

describe.skipIf(!hasLua())('the Wireshark dissector', () => {
  it('a FULL header: every field, the sender in the info column', () => {
    const d = dissect(FULL);
    expect(Object.fromEntries(d)).toMatchObject({
      port: '4000', heuristic: 'true', protocol: 'Saltwire', 'saltwire.version': '1', 'saltwire.form': '1', 'saltwire.flags': '0',
      'saltwire.gen': '0', 'saltwire.epoch': '1', 'saltwire.counter': '0', 'saltwire.boot': '77b3d43d207e3c6c', 'saltwire.sender': 'sensor-1',
      info: 'FULL from sensor-1, epoch 1, counter 0, 26 bytes sealed',
    });
  });

  it('a SHORT header; junk is left to other dissectors', () => {
    expect(Object.fromEntries(dissect(SHORT))).toMatchObject({ 'saltwire.form': '0', 'saltwire.index': '181677411', 'saltwire.counter': '3', info: 'SHORT to index 181677411, counter 3, 44 bytes sealed' });
    expect(dissect('ff00').get('heuristic')).toBe('false');
    expect(dissect(FULL.slice(0, 60)).get('heuristic')).toBe('false'); // too short for its sender id and tag
  });
});
