/**
 * Operating a hub (issue 18): its log says who came, restarted and was denied (--log-format json),
 * --metrics serves Prometheus text, and `saltwire status` lists the devices, for whom access
 * control allows it. The hub runs in-process (main.ts run()), the devices over UDP loopback.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/command.js';
import { run } from '../../src/cli/main.js';
import { AccessDeniedError, deriveDeviceKey, generateKey, startClient, toHex, tweetnaclSuite } from '../../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'sw-hubops-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const site = generateKey(tweetnaclSuite);
const key = (id: string): string => toHex(deriveDeviceKey(tweetnaclSuite, site, id, 0));

function fetchText(url: string): Promise<string> {
  return new Promise((res, rej) => get(url, (r) => {
    let s = '';
    r.setEncoding('utf8').on('data', (d: string) => (s += d)).on('end', () => res(s));
  }).on('error', rej));
}

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (l) => out.push(l), err: (l) => err.push(l), env: { XDG_STATE_HOME: tmp, ...env }, stopped: new Promise(() => undefined) };
  return { code: await run(argv, io), out, err };
}

describe('saltwire hub: log, metrics, status', () => {
  it('logs first contact, restart and denials as JSON; serves metrics; status for the operator only', { timeout: 30_000 }, async () => {
    const config = join(tmp, 'hub.json');
    writeFileSync(config, JSON.stringify({ acl: { rules: [
      { devices: ['*'], publish: ['sensors/{id}/#'], subscribe: ['cmd/{id}/#'] },
      { devices: ['console'], call: ['saltwire/status'] },
    ] } }));
    const log: string[] = [];
    let stop!: (s: string) => void;
    let listening!: (addr: string) => void;
    const ready = new Promise<string>((r) => (listening = r));
    const io: Io = {
      out: (l) => l.startsWith('listening ') && listening(l.slice(10)),
      err: (l) => void log.push(l),
      env: { XDG_STATE_HOME: tmp, SALTWIRE_SITE_KEY: toHex(site) },
      stopped: new Promise((r) => (stop = r)),
    };
    const hub = run(['hub', '--listen', '127.0.0.1:0', '--config', config, '--log-format', 'json', '--metrics', '127.0.0.1:0'], io);
    const addr = await ready;
    const metricsUrl = /^metrics on (\S+)$/.exec(log.find((l) => l.startsWith('metrics on')) ?? '')?.[1];
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    const events = (): Array<Record<string, unknown>> => log.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const until = async (f: () => boolean): Promise<void> => {
      for (let i = 0; i < 300 && !f(); i++) await new Promise((r) => setTimeout(r, 10));
    };

    const stateDir = join(tmp, 'sensor-1');
    let sensor = await startClient({ hub: addr, id: 'sensor-1', key: key('sensor-1'), stateDir });
    await until(() => events().some((e) => e['event'] === 'first-contact'));
    expect(events().find((e) => e['event'] === 'first-contact')).toMatchObject({ peer: 'sensor-1', address: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(events()[0]!['time']).toMatch(/^\d{4}-\d\d-\d\dT/);

    await expect(sensor.publish('sensors/sensor-2/temp', '1', { qos: 1 })).rejects.toThrow(AccessDeniedError);
    await until(() => events().some((e) => e['event'] === 'denied'));
    expect(events().find((e) => e['event'] === 'denied')).toMatchObject({ peer: 'sensor-1', operation: 'publish', subject: 'sensors/sensor-2/temp' });
    await sensor.close();
    sensor = await startClient({ hub: addr, id: 'sensor-1', key: key('sensor-1'), stateDir }); // a new epoch: a restart
    await until(() => events().some((e) => e['event'] === 'restart'));
    expect(events().find((e) => e['event'] === 'restart')).toMatchObject({ peer: 'sensor-1', epoch: expect.any(Number) });

    const operator = await cli(['status', '--hub', addr, '--id', 'console', '--json'], { SALTWIRE_KEY: key('console') });
    expect(operator.code, operator.err.join('\n')).toBe(0);
    const status = JSON.parse(operator.out[0]!) as { hub: string; peers: Array<{ id: string; reachability: string }> };
    expect(status.hub).toBe('hub');
    expect(status.peers).toContainEqual(expect.objectContaining({ id: 'sensor-1', reachability: 'reachable' }));
    const text = await cli(['status', '--hub', addr, '--id', 'console'], { SALTWIRE_KEY: key('console') });
    expect(text.out[1]).toMatch(/^DEVICE\s+STATE\s+ADDRESS\s+LAST HEARD$/);
    expect(text.out.some((l) => /^sensor-1\s+reachable\s+127\.0\.0\.1:\d+\s+\d+\.\ds ago$/.test(l))).toBe(true);
    const device = await cli(['status', '--hub', addr, '--id', 'sensor-1'], { SALTWIRE_KEY: key('sensor-1') });
    expect(device.code).toBe(6); // access control: only the operator may ask
    await until(() => events().some((e) => e['event'] === 'denied' && e['operation'] === 'call'));

    const metrics = await fetchText(metricsUrl!);
    expect(metrics).toMatch(/^# TYPE saltwire_peers gauge$/m);
    expect(metrics).toMatch(/^saltwire_peers [1-9]\d*$/m);
    expect(metrics).toMatch(/^# TYPE saltwire_datagrams_received_total counter$/m);
    expect(metrics).toMatch(/^saltwire_hub_drops_total\{reason="denied"\} [1-9]/m);
    expect(metrics).toMatch(/^saltwire_peers_by_reachability\{state="reachable"\} [1-9]/m);
    // the sensor's and the operator's links: live, or already set aside if the scrape came LINK_IDLE later
    const links = (state: string): number => Number(new RegExp(`^saltwire_reliable_links\\{state="${state}"\\} (\\d+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(links('live') + links('parked')).toBeGreaterThanOrEqual(2);
    // [SW-8.4-3] whether the hub is behind its socket, for the operator
    expect(metrics).toMatch(/^saltwire_input_waits_total\{outcome="waited"\} \d+$/m);
    expect(metrics).toMatch(/^saltwire_input_waits_total\{outcome="expired"\} \d+$/m);
    expect(metrics).toMatch(/^saltwire_input_buffer_shrinks_total \d+$/m); // [SW-8.4-4]

    await sensor.close();
    stop('SIGTERM');
    expect(await hub).toBe(0);
  });

  it('--log-format takes text or json', async () => {
    const r = await cli(['hub', '--listen', '127.0.0.1:0', '--log-format', 'xml'], { SALTWIRE_SITE_KEY: toHex(site) });
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(/^saltwire hub: --log-format must be text or json, not xml/);
  });
});
