// encodeFrames refuses a datagram with two of a frame type that may appear once [SW-9.4-2], and
// accepts one of each together with any number of MSG frames.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { decodeWireFrames, encodeFrames, type WireFrame } from '../../src/wire/frames.js';

const ping: WireFrame = { type: 'PING' };
const ack: WireFrame = { type: 'ACK', cum: 1, window: 8, delay: 0, ranges: [] };
const msg = (n: number): WireFrame => ({ type: 'MSG', channel: 1, data: new Uint8Array([n]) });

describe('encodeFrames: once-only frame types', () => {
  it('throws InvalidArgumentError naming the type for a second PING, CHALLENGE or ACK', () => {
    expect(() => encodeFrames([ping, ping])).toThrow(/at most one PING frame/);
    const ch: WireFrame = { type: 'CHALLENGE', token: new Uint8Array(8) } as unknown as WireFrame;
    expect(() => encodeFrames([ch, ping, ch])).toThrow(InvalidArgumentError);
    expect(() => encodeFrames([ack, msg(1), ack])).toThrow(/at most one ACK frame/);
  });

  it('takes one of each with several MSG frames, and they decode back in order', () => {
    const bytes = encodeFrames([ping, ack, msg(1), msg(2), msg(3)]);
    const back = decodeWireFrames(bytes);
    expect(back?.map((f) => f.type)).toEqual(['PING', 'ACK', 'MSG', 'MSG', 'MSG']);
  });
});
