/**
 * Datagrams that every receiver MUST drop silently ([SW-6.3-1]), built at run time. Most are one
 * change to a genuine datagram of the actor that carries PING and CHALLENGE, so a target that
 * wrongly accepted one would answer it, and the "nothing" expectation that follows catches that.
 * @module
 */
import { encodeFullHeader, tweetnaclSuite } from '../../src/core.js';
import type { Actor } from './peer.js';
import type { JunkKind } from './scenario.js';

const suite = tweetnaclSuite;

/** One junk datagram of `kind`, for a target whose node id is `targetId`. */
export function junk(kind: JunkKind, actor: Actor, targetId: string): Uint8Array {
  const genuine = (): Uint8Array => actor.seal([{ type: 'PING' }, { type: 'CHALLENGE' }], 'FULL').slice();
  const headerLen = 19 + new TextEncoder().encode(actor.id).length; // FULL: 19 + SID_LEN (4.3)
  switch (kind) {
    case 'random':
      return suite.randomBytes(48);
    case 'bad-version': {
      const d = genuine();
      d[0] = (d[0]! & 0x3f) | 0x80; // VERSION 10 [SW-4.2-2]
      return d;
    }
    case 'bad-form': {
      const d = genuine();
      d[0] = 0x70; // FORM 11, GROUP: reserved for multicast
      return d;
    }
    case 'bad-flags': {
      const d = genuine();
      d[0] = d[0]! | 0x01; // a RESERVED bit
      return d;
    }
    case 'flip-tag': {
      const d = genuine();
      d[headerLen] = d[headerLen]! ^ 0x01; // [SW-4.5-2]
      return d;
    }
    case 'truncated':
      return genuine().slice(0, -1);
    case 'appended': {
      const g = genuine();
      const d = new Uint8Array(g.length + 1);
      d.set(g);
      return d;
    }
    case 'epoch-zero': {
      const d = genuine();
      d.fill(0, 2, 6); // [SW-4.3-2]
      return d;
    }
    case 'self-id': {
      // the target's own id as sender: dropped as UNKNOWN_KEY before any key is derived [SW-3.5-3]
      const h = encodeFullHeader(0, 1, 0, suite.randomBytes(8), targetId);
      return concat(h, suite.randomBytes(16 + 10));
    }
    case 'unknown-index': {
      const h = new Uint8Array(9);
      h[0] = 0x40;
      h.set(suite.randomBytes(4), 1);
      return concat(h, suite.randomBytes(16 + 10)); // [SW-4.4-1]
    }
    case 'too-large': {
      // longer than any MAX_DATAGRAM of 1500 (the SDK's); a target with a larger limit drops it as AUTH
      const g = genuine();
      return concat(g.subarray(0, headerLen), suite.randomBytes(1600 - headerLen));
    }
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
