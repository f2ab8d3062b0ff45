/**
 * A deliberately non-conforming target, to show that the runner catches what it should (used by
 * test/conformance/scenarios.test.ts): the SDK target with one fault injected.
 *
 *   node --import tsx conformance/targets/faulty.ts <fault>
 *
 * Faults:
 *   drop-echo          every ECHO frame is removed from the plaintext before sealing: the node believes
 *                      it answered challenges, the wire never carries the echo ([SW-12.3-3], [SW-10.2-3]).
 *   answer-junk        every datagram received, junk included, is answered with 40 random bytes
 *                      ([SW-6.3-1]).
 *   deliver-unverified data of unknown freshness is delivered (possibly replayed) ([SW-12.3-5]).
 *   send-twice         every datagram is sent twice: one traffic key and counter on two datagrams, the
 *                      same (key, nonce) sealed twice ([SW-4.6-1]: even with the same plaintext).
 * @module
 */
import { decodeFrames, encodeFrames, type CryptoSuite, type Transport } from '../../src/core.js';
import { runTarget, type TargetHooks } from './saltwire-node.js';

function dropEcho(s: CryptoSuite): CryptoSuite {
  return {
    ...s,
    name: `${s.name}+drop-echo`,
    seal(key, nonce, plaintext, prefix) {
      const frames = decodeFrames(plaintext);
      const kept = frames === undefined ? plaintext : encodeFrames(frames.filter((f) => f.type !== 'ECHO'));
      return s.seal(key, nonce, kept, prefix);
    },
  };
}

function answerJunk(t: Transport): Transport {
  return {
    get local() {
      return t.local;
    },
    get mtu() {
      return t.mtu;
    },
    send: (d, to) => t.send(d, to),
    close: () => t.close(),
    onReceive(handler) {
      t.onReceive((d, from) => {
        void t.send(crypto.getRandomValues(new Uint8Array(40)), from).catch(() => undefined);
        handler(d, from);
      });
    },
  };
}

function sendTwice(t: Transport): Transport {
  return {
    get local() {
      return t.local;
    },
    get mtu() {
      return t.mtu;
    },
    send: async (d, to) => {
      await t.send(d, to);
      await t.send(d, to);
    },
    close: () => t.close(),
    onReceive: (handler) => t.onReceive(handler),
  };
}

const FAULTS: Record<string, TargetHooks> = {
  'drop-echo': { suite: dropEcho },
  'answer-junk': { transport: answerJunk },
  'deliver-unverified': { options: { deliverUnverified: true } },
  'send-twice': { transport: sendTwice },
};

const hooks = FAULTS[process.argv[2] ?? ''];
if (hooks === undefined) {
  process.stderr.write(`usage: faulty.ts ${Object.keys(FAULTS).join('|')}\n`);
  process.exit(2);
}
runTarget(hooks).catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
