/** The hub's log lines (issue 18): text and JSON forms, and denials rate-limited per subject. */
import { describe, expect, it } from 'vitest';
import { DENIED_INTERVAL_MS, HubLog } from '../../src/cli/hub-log.js';
import { AccessControl } from '../../src/index.js';

describe('HubLog', () => {
  it('text: TIME EVENT PEER key=value; a denial once per device, operation and subject per interval, then with since=N', () => {
    const lines: string[] = [];
    let now = Date.UTC(2026, 11, 6, 12, 0, 0);
    const log = new HubLog('text', (l) => lines.push(l), () => now);
    const acl = log.watch(AccessControl.fromConfig({ rules: [{ devices: ['*'], publish: ['sensors/{id}/#'] }] }));
    expect(acl).toBeInstanceOf(AccessControl);
    expect(acl.canPublish('s1', 'sensors/s1/t')).toBe(true);
    for (let i = 0; i < 5; i++) expect(acl.canPublish('s1', 'sensors/s2/t')).toBe(false);
    expect(acl.canSubscribe('s1', 'a b')).toBe(false);
    now += DENIED_INTERVAL_MS;
    acl.canPublish('s1', 'sensors/s2/t');
    expect(lines).toEqual([
      '2026-12-06T12:00:00.000Z denied s1 operation=publish subject=sensors/s2/t',
      '2026-12-06T12:00:00.000Z denied s1 operation=subscribe subject="a b"',
      '2026-12-06T12:00:10.000Z denied s1 operation=publish subject=sensors/s2/t since=4',
    ]);
  });

  it('json: one object per line', () => {
    const lines: string[] = [];
    const log = new HubLog('json', (l) => lines.push(l), () => 0);
    log.watch(AccessControl.fromConfig({ rules: [{ devices: ['admin'], call: ['*'] }] })).canCall('d', 'reboot');
    expect(JSON.parse(lines[0]!)).toEqual({ time: '1970-01-01T00:00:00.000Z', event: 'denied', peer: 'd', operation: 'call', subject: 'reboot' });
  });
});
