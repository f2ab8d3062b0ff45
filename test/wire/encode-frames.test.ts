// encodeFrames refuses a datagram with two of a frame type that may appear once [SW-9.4-2], and
// accepts one of each together with any number of MSG frames.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import fc from 'fast-check';
import { decodeWireFrames, encodeFrames, encodeFramesTransient, type WireFrame } from '../../src/wire/frames.js';

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

describe('encodeFramesTransient (the send path: sealed at once)', () => {
  const frame: fc.Arbitrary<WireFrame> = fc.oneof(
    fc.constant<WireFrame>(ping),
    fc.integer({ min: 1, max: 40 }).map((length): WireFrame => ({ type: 'PADDING', length }) as WireFrame),
    fc.uint8Array({ maxLength: 300 }).map((data): WireFrame => ({ type: 'MSG', channel: 2, data })),
  );
  const frames = fc.tuple(fc.array(frame, { maxLength: 6 }), fc.option(fc.uint8Array({ maxLength: 200 }), { nil: undefined })).map(([fs, d]) => {
    const once = fs.filter((f, i) => f.type !== 'PING' || fs.findIndex((g) => g.type === 'PING') === i);
    return d === undefined ? once : [...once, { type: 'DATAGRAM', data: d } as WireFrame];
  });

  it('gives the bytes of encodeFrames, with PADDING zero after a larger datagram used the same buffer [SW-9.4-2]', () => {
    fc.assert(
      fc.property(frames, frames, (a, b) => {
        encodeFramesTransient([{ type: 'DATAGRAM', data: new Uint8Array(600).fill(0xff) }]); // dirties the buffer
        expect(encodeFramesTransient(a)).toEqual(encodeFrames(a));
        const first = encodeFramesTransient(b).slice();
        expect(first).toEqual(encodeFrames(b));
      }),
    );
  });

  it('reuses one buffer: a result is valid only until the next call, unlike encodeFrames', () => {
    const x = encodeFramesTransient([msg(1)]);
    const y = encodeFramesTransient([msg(2)]);
    expect(x.buffer).toBe(y.buffer);
    expect(encodeFrames([msg(1)]).buffer).not.toBe(encodeFrames([msg(1)]).buffer);
  });
});
