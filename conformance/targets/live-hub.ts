/**
 * A hub for live mode (`saltwire conformance live`), the SDK's, as a long-running process, with a
 * fault injected on request, used by test/conformance/kit-live.test.ts to show that live mode
 * catches each under the right spec id:
 *
 *   node --import tsx conformance/targets/live-hub.ts --listen 127.0.0.1:PORT --site HEX --state DIR
 *        [--drops FILE] [--fault NAME]
 *
 * It prints {"event":"listening","port":N} once bound; with --drops it writes its drop counters
 * (spec 6.2) to FILE as one JSON object after every drop (what `--drops-command "cat FILE"` reads).
 *
 * Faults:
 *   accept-replay    the replay window accepts every counter ([SW-5.4-1]).
 *   answer-drops     every datagram the node drops is answered with 40 random bytes ([SW-6.3-1]).
 *   reuse-nonce      epoch kept in memory (1 at every start) and a BOOT of zeros: after a restart the
 *                    same traffic keys and counters again ([SW-4.6-1], [SW-5.2-9]).
 *   ignore-aliases   the MAX_ALIASES a device declares in SYNC is ignored ([SW-15.7-3]).
 *   ignore-window    the WINDOW a device declares (SYNC, ACK) is ignored ([SW-14.12-14]).
 *   misorder-frames  the frames of each plaintext in reverse order ([SW-9.4-2], a SHOULD).
 * @module
 */
import { writeFileSync } from 'node:fs';
import { decodeFrames, encodeFrames, type CryptoSuite } from '../../src/core.js';
import { defaultCryptoSuite, Hub, MemoryStateStore, SiteKeyring, startNode, UdpTransport } from '../../src/internals.js';
import { parseAddress } from '../../src/node/quick-start.js';
import { SaltwireNode } from '../../src/peer/node.js';
import { AliasSender } from '../../src/pubsub/alias-sender.js';
import type { AckFrame } from '../../src/reliability/frames.js';
import { DeviceSendState } from '../../src/reliability/device-sender.js';
import { SendState } from '../../src/reliability/send-state.js';
import { ReplayWindow } from '../../src/session/replay.js';
import { fromHex } from '../../src/util/bytes.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
};
const fault = arg('--fault');
const drops = arg('--drops');
const FAULTS = ['accept-replay', 'answer-drops', 'reuse-nonce', 'ignore-aliases', 'ignore-window', 'misorder-frames'];
if (fault !== undefined && !FAULTS.includes(fault)) {
  process.stderr.write(`live-hub: --fault ${FAULTS.join('|')}\n`);
  process.exit(2);
}

let suite: CryptoSuite = defaultCryptoSuite();
if (fault === 'accept-replay') ReplayWindow.prototype.check = () => 'accept';
if (fault === 'ignore-aliases') AliasSender.prototype.limit = () => undefined;
if (fault === 'ignore-window') {
  const limitPeer = SaltwireNode.prototype.limitPeer;
  SaltwireNode.prototype.limitPeer = function (this: SaltwireNode, peer: string, maxDatagram: number) {
    limitPeer.call(this, peer, maxDatagram);
  };
  for (const C of [SendState, DeviceSendState]) {
    const onAck = C.prototype.onAck;
    C.prototype.onAck = function (this: never, a: AckFrame, now: number) {
      return onAck.call(this, { ...a, window: 4096 }, now);
    } as typeof onAck;
  }
}
if (fault === 'reuse-nonce') {
  const s = suite;
  suite = { ...s, randomBytes: (n: number) => (n === 8 ? new Uint8Array(8) : s.randomBytes(n)) };
}
if (fault === 'misorder-frames') {
  const s = suite;
  suite = {
    ...s,
    seal(key, nonce, plaintext, prefix) {
      const frames = decodeFrames(plaintext);
      return s.seal(key, nonce, frames === undefined || frames.length < 2 ? plaintext : encodeFrames([...frames].reverse()), prefix);
    },
  };
}

const listen = parseAddress(arg('--listen') ?? '127.0.0.1:0', 'listen', true);
const transport = await UdpTransport.bind(listen);
const node = await startNode({
  id: arg('--id') ?? 'hub',
  keyring: new SiteKeyring(suite, fromHex(arg('--site') ?? '')),
  suite,
  transport,
  ...(fault === 'reuse-nonce' ? { state: new MemoryStateStore(), provisioning: true } : { stateDir: arg('--state')!, provisioning: false }),
});
const hub = await Hub.start(node, { closeNode: true });
const writeDrops = (): void => {
  if (drops !== undefined) writeFileSync(drops, JSON.stringify(node.stats.drops));
};
writeDrops();
node.on('drop', (e) => {
  writeDrops();
  if (fault === 'answer-drops' && e.from !== undefined) void transport.send(crypto.getRandomValues(new Uint8Array(40)), e.from).catch(() => undefined);
});
process.stdout.write(`${JSON.stringify({ event: 'listening', port: transport.local.port })}\n`);
const stop = (): void => void hub.close().finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
