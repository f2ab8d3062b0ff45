/** datagram_seal.json: header, nonce and datagram at the boundaries of every field; refused seals. */
import {
  deriveDeviceKey,
  deriveTrafficKey,
  encodeFrames,
  encodeFullHeader,
  encodeShortHeader,
  nonceOf,
  sealDatagram,
  type Frame,
} from '../../src/core.js';
import { bootFor, hex, Seeded, suite, text, VectorFile } from './common.js';

type Form = 'FULL' | 'SHORT';

export function sealVectors(): VectorFile {
  const f = new VectorFile(
    'datagram_seal.json',
    'Saltwire datagram sealing',
    'saltwire_seal_schema_v1',
    ['datagram = header || secretbox(TK, nonce, plaintext); nonce = fixed header bytes, zero-padded (spec 4).', 'TK = TK(S -> R, epoch, boot); the FULL header carries BOOT (bytes 10-17), which is not in the nonce (4.3, 4.5).'],
    {
      Normal: { bugType: 'BASIC', description: 'A typical datagram.' },
      EpochBoundary: { bugType: 'EDGE_CASE', description: 'Epoch 1, 2 or 2^32-1.' },
      CounterBoundary: { bugType: 'EDGE_CASE', description: 'Counter 0, 2^31, 2^32-2 (the last one a sender may use).' },
      GenBoundary: { bugType: 'EDGE_CASE', description: 'Generation 0 or 255.' },
      IdBoundary: { bugType: 'EDGE_CASE', description: 'Sender id of 1 or 32 characters.' },
      IndexBoundary: { bugType: 'EDGE_CASE', description: 'Receiver index 1 or 2^32-1.' },
      BootDiffers: { bugType: 'MODIFIED_PARAMETER', description: 'Same epoch and counter as another test, another BOOT (another start of the sender): another header, key and datagram, same nonce [SW-4.3-3].' },
      PlaintextShape: { bugType: 'FUNCTIONALITY', description: 'Empty plaintext, several frames, padding, or a large datagram.' },
      CounterLimit: { bugType: 'DEFINED', description: 'Counter 2^32-1 must never be sealed [SW-5.1-2].' },
      EpochZero: { bugType: 'DEFINED', description: 'Epoch 0 is never used for sending [SW-4.3-2].' },
      IndexZero: { bugType: 'DEFINED', description: 'Receiver index 0 is never used [SW-4.4-1].' },
      SelfAddressed: { bugType: 'DEFINED', description: 'Sender id equal to the receiver id [SW-4.6-4] [SW-3.5-3].' },
    },
  );
  const rnd = new Seeded('seal');
  const site = rnd.bytes(32);
  const dg = (s: string): Uint8Array => encodeFrames([{ type: 'DATAGRAM', data: text(s) }]);

  const groupFor = (sender: string, receiver: string, gen: number) => {
    const pairKey = deriveDeviceKey(suite, site, sender === 'hub' ? receiver : sender, gen);
    const add = f.group('SealTest', { pairKey: hex(pairKey), sender, receiver });
    return (form: Form, epoch: number, counter: number, index: number, plaintext: Uint8Array, flags: string[], comment: string, boot = bootFor(`seal/${sender}/${epoch}`)) => {
      const tk = deriveTrafficKey(suite, pairKey, sender, receiver, epoch, boot);
      const header = form === 'FULL' ? encodeFullHeader(gen, epoch, counter, boot, sender) : encodeShortHeader(index, counter);
      const datagram = sealDatagram(suite, tk, header, form, plaintext);
      add({
        comment,
        flags,
        specRefs: ['SW-4.2-1', 'SW-4.5-1', 'SW-4.6-1', 'SW-3.5-1', ...(form === 'FULL' ? ['SW-4.3-1', 'SW-4.3-3'] : ['SW-4.4-1'])],
        gen,
        epoch,
        counter,
        boot: hex(boot),
        form,
        ...(form === 'SHORT' ? { index } : {}),
        plaintext: hex(plaintext),
        intermediate: { trafficKey: hex(tk), header: hex(header), nonce: hex(nonceOf(header, form)) },
        datagram: hex(datagram),
        result: 'valid',
      });
    };
  };

  const up = groupFor('sensor-1', 'hub', 0);
  up('FULL', 1, 0, 0, dg('21.5'), ['Normal'], 'first datagram after the first start');
  up('FULL', 2, 0, 0, dg('21.5'), ['EpochBoundary'], 'same content after a reboot: other key, other bytes');
  up('FULL', 0xffffffff, 0, 0, dg('x'), ['EpochBoundary'], 'last epoch');
  up('FULL', 1, 0x80000000, 0, dg('x'), ['CounterBoundary'], 'counter 2^31');
  up('FULL', 1, 0xfffffffe, 0, dg('x'), ['CounterBoundary'], 'last usable counter');
  up('FULL', 1, 1, 0, new Uint8Array(0), ['PlaintextShape'], 'empty plaintext (liveness only)');
  const frames: Frame[] = [{ type: 'INDEX', index: 0x1234abcd, gen: 0, epoch: 9 }, { type: 'DATAGRAM', data: text('hello') }];
  up('FULL', 1, 2, 0, encodeFrames(frames), ['PlaintextShape'], 'INDEX frame then DATAGRAM');
  up('FULL', 1, 3, 0, encodeFrames([{ type: 'PADDING', length: 16 }]), ['PlaintextShape'], '16 bytes of padding');
  up('FULL', 1, 4, 0, encodeFrames([{ type: 'DATAGRAM', data: rnd.bytes(1000) }]), ['PlaintextShape'], '1000-byte payload: a 1044-byte datagram, for a receiver whose MAX_DATAGRAM is configured at 1044 or more');
  up('FULL', 1, 0, 0, dg('21.5'), ['BootDiffers'], 'the first test again from another start at epoch 1 (the stored epoch was lost): only BOOT differs', bootFor('seal/sensor-1/1/another-start'));
  up('FULL', 1, 0, 0, dg('21.5'), ['BootDiffers'], 'the same, BOOT all zero', new Uint8Array(8));
  up('SHORT', 1, 5, 0x0a0b0c0d, dg('21.5'), ['Normal'], 'steady state: SHORT header');
  up('SHORT', 1, 5, 0x0a0b0c0d, dg('21.5'), ['BootDiffers'], 'the previous SHORT datagram from another start at epoch 1: same header and nonce, another key', bootFor('seal/sensor-1/1/another-start'));
  up('SHORT', 1, 0, 1, dg('x'), ['IndexBoundary', 'CounterBoundary'], 'index 1, counter 0');
  up('SHORT', 1, 0xfffffffe, 0xffffffff, dg('x'), ['IndexBoundary', 'CounterBoundary'], 'largest index, last counter');
  up('SHORT', 7, 9, 0x0a0b0c0d, new Uint8Array(0), ['PlaintextShape'], 'SHORT with empty plaintext: 25 bytes');

  const down = groupFor('hub', 'sensor-1', 0);
  down('FULL', 1, 0, 0, dg('21.5'), ['Normal'], 'hub to device: other direction, other key');
  down('SHORT', 3, 17, 0x55aa55aa, dg('on'), ['Normal'], 'hub to device, SHORT');

  for (const [sender, gen, flags, comment] of [
    ['a', 0, ['IdBoundary'], 'one-character sender id'],
    ['abcdefghijklmnopqrstuvwxyz-_0123', 0, ['IdBoundary'], '32-character sender id: the longest FULL header'],
    ['sensor-9', 255, ['GenBoundary'], 'generation 255'],
  ] as const) {
    groupFor(sender, 'hub', gen)('FULL', 1, 0, 0, dg('x'), [...flags], comment);
  }

  const refuse = f.group('SealTest', { pairKey: hex(deriveDeviceKey(suite, site, 'sensor-1', 0)), sender: 'sensor-1', receiver: 'hub' });
  const r = (form: Form, epoch: number, counter: number, index: number, flag: string, comment: string, ref: string) =>
    refuse({ comment, flags: [flag], specRefs: ['SW-4.6-4', ref], gen: 0, epoch, counter, boot: hex(bootFor(`seal/refused/${epoch}`)), form, ...(form === 'SHORT' ? { index } : {}), plaintext: hex(dg('x')), result: 'invalid' });
  r('FULL', 1, 0xffffffff, 0, 'CounterLimit', 'FULL with counter 2^32-1', 'SW-5.1-2');
  r('SHORT', 1, 0xffffffff, 5, 'CounterLimit', 'SHORT with counter 2^32-1', 'SW-5.1-2');
  r('FULL', 0, 0, 0, 'EpochZero', 'epoch 0', 'SW-4.3-2');
  r('SHORT', 1, 0, 0, 'IndexZero', 'receiver index 0', 'SW-4.4-1');

  // Sender = receiver: both directions would share one traffic key, so reflection would succeed.
  const self = f.group('SealTest', { pairKey: hex(deriveDeviceKey(suite, site, 'sensor-1', 0)), sender: 'sensor-1', receiver: 'sensor-1' });
  for (const [form, index] of [['FULL', 0], ['SHORT', 5]] as const)
    self({ comment: `${form}, receiver id equal to the sender id`, flags: ['SelfAddressed'], specRefs: ['SW-4.6-4', 'SW-3.5-3'], gen: 0, epoch: 1, counter: 0, boot: hex(bootFor('seal/self/1')), form, ...(form === 'SHORT' ? { index } : {}), plaintext: hex(dg('x')), result: 'invalid' });
  return f;
}
