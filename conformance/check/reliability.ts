/**
 * SDK checker hook for reliability.json (spec 14): decodes each RelFrameTest plaintext with the SDK
 * codec, and replays each RelScenario's steps through the SDK, comparing every decision.
 */
import { decodeRelFrames, encodeRelFrames, type RelFrame } from '../../src/reliability/index.js';
import { fromHex, toHex } from '../../src/util/bytes.js';
import { frameJson, playScenario, type ScenarioConfig, type ScriptStep } from '../generate/reliability.js';

export const RELIABILITY_GROUP_TYPES = ['RelFrameTest', 'RelScenario'];

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
export function checkReliabilityVector(g: { type: string }, t: Test): string | undefined {
  if (g.type === 'RelFrameTest') {
    const frames = decodeRelFrames(fromHex(t.plaintext));
    if (t.result === 'invalid') return frames === undefined ? undefined : 'malformed plaintext decoded';
    if (frames === undefined) return 'valid plaintext refused';
    if (JSON.stringify(frames.map(frameJson)) !== JSON.stringify(t.frames)) return 'decoded frames differ';
    const again = toHex(encodeRelFrames(frames as RelFrame[]));
    return again === t.plaintext ? undefined : 're-encoding differs';
  }
  const steps = t.steps as Array<ScriptStep & { expect: unknown }>;
  const script = steps.map(({ expect: _e, ...s }) => s as ScriptStep);
  const got = playScenario(t.config as ScenarioConfig, script);
  for (const [i, s] of steps.entries()) {
    const a = JSON.stringify(got[i]!.expect);
    const b = JSON.stringify(s.expect);
    if (a !== b) return `step ${i} (t=${s.t} ${s.do}): got ${a.slice(0, 200)}, want ${b.slice(0, 200)}`;
  }
  return undefined;
}
