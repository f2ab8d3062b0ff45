/** key_derivation.json: site key → device keys, pair key → traffic keys, node id validation. */
import { deriveDeviceKey, deriveTrafficKey, deviceKeyInfo, isValidNodeId, trafficKeyInfo } from '../../src/core.js';
import { bootFor, hex, Seeded, suite, VectorFile } from './common.js';

const ID32 = 'abcdefghijklmnopqrstuvwxyz-_0123';
const BAD_IDS: Array<[string, string]> = [
  ['', 'empty id'],
  [ID32 + 'x', '33 characters'],
  ['a/b', 'contains /'],
  ['dev+', 'contains +'],
  ['#', 'is #'],
  ['a b', 'contains a space'],
  ['caf\u00e9', 'non-ASCII letter'],
  ['a\u0000', 'contains U+0000'],
  ['a.b', 'contains .'],
];

/**
 * An id field of a test: a valid id as a JSON string under `name`; an invalid one as the hex of its
 * UTF-8 bytes under `name + 'Hex'`, since it may hold what a JSON string reader mishandles (U+0000
 * ends a C string; non-ASCII needs decoding).
 */
function idField(name: string, id: string): Record<string, string> {
  return isValidNodeId(id) ? { [name]: id } : { [`${name}Hex`]: hex(new TextEncoder().encode(id)) };
}

export function keyVectors(): VectorFile {
  const f = new VectorFile(
    'key_derivation.json',
    'Saltwire key hierarchy (HKDF-SHA-512)',
    'saltwire_key_derivation_schema_v1',
    ['DK(D, g) and TK(S -> R, epoch, boot) of spec sections 3.4 and 3.5, with every info string shown.'],
    {
      Normal: { bugType: 'BASIC', description: 'A typical derivation.' },
      IdBoundary: { bugType: 'EDGE_CASE', description: 'Node id of length 1 or 32, or using every allowed character class.' },
      GenBoundary: { bugType: 'EDGE_CASE', description: 'Generation 0, 1 or 255.' },
      EpochBoundary: { bugType: 'EDGE_CASE', description: 'Epoch 1 or 2^32-1.' },
      Directional: { bugType: 'MODIFIED_PARAMETER', description: 'The reverse direction gives a different key [SW-3.5-2].' },
      BootDiffers: { bugType: 'MODIFIED_PARAMETER', description: 'Another BOOT value at the same epoch (another start of the sender) gives another key [SW-3.5-1] [SW-5.2-6].' },
      BootBoundary: { bugType: 'EDGE_CASE', description: 'BOOT of all zero or all 0xff bytes: any value is a BOOT value [SW-4.3-3].' },
      InvalidNodeId: { bugType: 'MODIFIED_PARAMETER', description: 'The id violates [SW-3.2-1]; derivation must be refused [SW-3.2-2].' },
    },
  );
  const rnd = new Seeded('keys');
  const site = rnd.bytes(32);
  const dev = f.group('DeviceKeyTest', {});
  const devCases: Array<[Uint8Array, string, number, string[], string]> = [
    [site, 'sensor-1', 0, ['Normal'], 'typical device, generation 0'],
    [site, 'sensor-1', 1, ['GenBoundary'], 'same device, generation 1'],
    [site, 'sensor-1', 255, ['GenBoundary'], 'same device, generation 255'],
    [site, 'a', 0, ['IdBoundary'], 'one-character id'],
    [site, ID32, 0, ['IdBoundary'], '32-character id using every class'],
    [site, 'AZaz09_-', 7, ['IdBoundary'], 'every character class'],
    [new Uint8Array(32), 'hub', 0, ['Normal'], 'all-zero site key'],
    [rnd.bytes(32), 'sensor-2', 3, ['Normal'], 'another site key'],
  ];
  for (const [sk, id, gen, flags, comment] of devCases) {
    dev({
      comment,
      flags,
      specRefs: ['SW-3.4-1', 'SW-3.2-1', 'SW-3.1-4'],
      siteKey: hex(sk),
      deviceId: id,
      gen,
      info: hex(deviceKeyInfo(id, gen)),
      deviceKey: hex(deriveDeviceKey(suite, sk, id, gen)),
      result: 'valid',
    });
  }
  for (const [id, why] of BAD_IDS) {
    if (isValidNodeId(id)) throw new Error(`expected invalid: ${id}`);
    dev({ comment: `device id ${why}`, flags: ['InvalidNodeId'], specRefs: ['SW-3.2-1', 'SW-3.2-2'], siteKey: hex(site), ...idField('deviceId', id), gen: 0, result: 'invalid' });
  }

  const tk = f.group('TrafficKeyTest', {});
  const pk = deriveDeviceKey(suite, site, 'sensor-1', 0);
  // BOOT values: one per start of the sender, deterministic here ([SW-5.2-6]: random in a real node)
  const b1 = bootFor('keys/sensor-1/1');
  const b1other = bootFor('keys/sensor-1/1/another-start');
  const provisioned = rnd.bytes(32);
  const tkCases: Array<[Uint8Array, string, string, number, Uint8Array, string[], string]> = [
    [pk, 'sensor-1', 'hub', 1, b1, ['Normal'], 'device to hub, epoch 1'],
    [pk, 'hub', 'sensor-1', 1, bootFor('keys/hub/1'), ['Directional'], 'hub to device, epoch 1: differs from the other direction'],
    [pk, 'sensor-1', 'hub', 2, bootFor('keys/sensor-1/2'), ['Normal'], 'device to hub, epoch 2'],
    [pk, 'sensor-1', 'hub', 1, b1other, ['BootDiffers'], 'device to hub, epoch 1 again, another start (its stored epoch was lost): another BOOT, another key than the first test'],
    [pk, 'sensor-1', 'hub', 1, new Uint8Array(8), ['BootBoundary'], 'epoch 1, BOOT all zero'],
    [pk, 'sensor-1', 'hub', 1, new Uint8Array(8).fill(0xff), ['BootBoundary'], 'epoch 1, BOOT all 0xff'],
    [pk, 'sensor-1', 'hub', 0xffffffff, bootFor('keys/sensor-1/max'), ['EpochBoundary'], 'last epoch'],
    [pk, 'sensor-1', 'hub-2', 1, b1, ['Normal'], 'another hub of the site, same start of the device: another key'],
    [provisioned, 'a', ID32, 77, bootFor('keys/a/77'), ['IdBoundary'], 'provisioned pair key, ids of length 1 and 32'],
    [provisioned, ID32, 'a', 77, bootFor('keys/id32/77'), ['IdBoundary', 'Directional'], 'the reverse of the previous: same pair key, other key'],
  ];
  for (const [key, s, r, epoch, boot, flags, comment] of tkCases) {
    tk({
      comment,
      flags,
      specRefs: ['SW-3.5-1', 'SW-3.5-2', 'SW-3.1-4', ...(flags.some((x) => x.startsWith('Boot')) ? ['SW-5.2-6', 'SW-4.3-3'] : [])],
      pairKey: hex(key),
      sender: s,
      receiver: r,
      epoch,
      boot: hex(boot),
      info: hex(trafficKeyInfo(s, r, epoch, boot)),
      trafficKey: hex(deriveTrafficKey(suite, key, s, r, epoch, boot)),
      result: 'valid',
    });
  }
  for (const [id, why] of BAD_IDS.slice(0, 4)) {
    tk({ comment: `sender id ${why}`, flags: ['InvalidNodeId'], specRefs: ['SW-3.2-2'], pairKey: hex(pk), ...idField('sender', id), receiver: 'hub', epoch: 1, boot: hex(b1), result: 'invalid' });
  }
  tk({ comment: 'receiver id contains /', flags: ['InvalidNodeId'], specRefs: ['SW-3.2-2'], pairKey: hex(pk), sender: 'sensor-1', ...idField('receiver', 'hub/1'), epoch: 1, boot: hex(b1), result: 'invalid' });
  return f;
}
