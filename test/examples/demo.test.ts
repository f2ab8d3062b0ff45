// The README's first command: the demo over real UDP on loopback behaves as it claims.
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../examples/demo.js';

describe('demo over real UDP', () => {
  it('delivers every reading once, switches to SHORT, and answers no attack', async () => {
    const lines: string[] = [];
    const r = await runDemo((s) => lines.push(s));
    expect(r.delivered).toEqual(['21.5 C', '21.6 C', '21.6 C', '21.7 C']);
    expect(r.forms).toEqual(['FULL', 'SHORT', 'SHORT', 'FULL']); // FULL again after the reboot [SW-4.8-3]
    expect(r.hubAnswersToAttacks).toBe(0);
    expect(r.drops).toEqual({ REPLAY: 1, AUTH: 1, BAD_FORM: 1, STALE_EPOCH: 1 });
    expect(r.steadyOverhead).toBe(26);
  });
});
