/**
 * SDK checker hook for reliability_device.json (spec 14.12): replays each RelDeviceScenario's steps
 * through the SDK's device profile, comparing every decision.
 */
import { playDeviceScenario, type DeviceScenarioConfig, type DeviceStep } from '../generate/reliability-device.js';

export const RELIABILITY_DEVICE_GROUP_TYPES = ['RelDeviceScenario'];

type Test = Record<string, any> & { tcId: number; result: 'valid' | 'invalid' };

/** Returns a failure message, or undefined if the SDK agrees with the vector. */
export function checkReliabilityDeviceVector(_g: { type: string }, t: Test): string | undefined {
  const steps = t.steps as Array<DeviceStep & { expect: unknown }>;
  const got = playDeviceScenario(t.config as DeviceScenarioConfig, steps.map(({ expect: _e, ...s }) => s as DeviceStep));
  for (const [i, s] of steps.entries()) {
    const a = JSON.stringify(got[i]!.expect);
    const b = JSON.stringify(s.expect);
    if (a !== b) return `step ${i} (t=${s.t} ${s.do}): got ${a.slice(0, 200)}, want ${b.slice(0, 200)}`;
  }
  return undefined;
}
