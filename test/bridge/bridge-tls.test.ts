// The bridge's broker connection over TLS with a CA and a client certificate, plus username and
// password, against the real mosquitto binary: a TLS listener with `require_certificate true` and a
// password file, on a free loopback port; the CA, the broker's and the bridge's certificates are
// made by openssl in this test's temp directory. The bridge forwards both ways; a CA that did not
// sign the broker's certificate, a client certificate of another CA and a wrong password are each
// a clear error, counted by kind (stats().link), with the hub and the bridge still running.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bridgeOptionsFromConfig, type MqttBridge } from '../../src/bridge/index.js';
import { freeTcpPort, waitForTcp } from '../../bench/peers/util.js';
import { Rig, until } from './fixture.js';
import { MOSQUITTO } from './mosquitto-proc.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await Promise.resolve(f()).catch(() => undefined);
});

function openssl(dir: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA (`name`.pem/.key) and, signed by it, a certificate `leaf`.pem/.key for `cn` (with `san`, if given). */
function makeCa(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=${name}`]);
}
function makeLeaf(dir: string, ca: string, leaf: string, cn: string, san?: string): void {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${leaf}.key`, '-out', `${leaf}.csr`, '-subj', `/CN=${cn}`]);
  if (san !== undefined) writeFileSync(join(dir, `${leaf}.ext`), `subjectAltName=${san}\n`);
  openssl(dir, ['x509', '-req', '-in', `${leaf}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${leaf}.pem`, '-days', '2', ...(san !== undefined ? ['-extfile', `${leaf}.ext`] : [])]);
}

/** mosquitto with a TLS listener that requires a client certificate of `ca`, and user `hub` / `s3cret`. */
async function tlsMosquitto(dir: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freeTcpPort();
  const r = spawnSync('mosquitto_passwd', ['-b', '-c', join(dir, 'passwd'), 'hub', 's3cret'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mosquitto_passwd: ${r.stderr}`);
  writeFileSync(join(dir, 'mosquitto.conf'), [
    `listener ${port} 127.0.0.1`,
    `cafile ${dir}/ca.pem`, `certfile ${dir}/server.pem`, `keyfile ${dir}/server.key`,
    'require_certificate true',
    'allow_anonymous false', `password_file ${dir}/passwd`,
    'persistence false', 'sys_interval 0', 'log_dest stderr', 'log_type error',
  ].join('\n') + '\n');
  for (const f of readdirSync(dir)) chmodSync(join(dir, f), 0o644); // mosquitto started as root reads them as its own user
  const child = spawn(MOSQUITTO!, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'ignore', 'ignore'] });
  cleanup.push(() => void child.kill('SIGKILL'));
  await waitForTcp(port, 5000);
  return { port, child };
}

async function setup(): Promise<{ dir: string; port: number; rig: Rig }> {
  const dir = mkdtempSync(join(tmpdir(), 'sw-bridge-tls-'));
  chmodSync(dir, 0o755);
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  makeCa(dir, 'ca');
  makeLeaf(dir, 'ca', 'server', 'broker', 'IP:127.0.0.1,DNS:localhost');
  makeLeaf(dir, 'ca', 'client', 'hub');
  makeCa(dir, 'other'); // a CA that signed neither side
  makeLeaf(dir, 'other', 'stranger', 'hub');
  const { port } = await tlsMosquitto(dir);
  const rig = new Rig();
  cleanup.push(() => rig.close());
  await rig.startHub();
  return { dir, port, rig };
}

/** Bridge options as `saltwire hub --config` reads them (caFile, certFile, keyFile: files read by config.ts). */
function fromConfig(port: number, dir: string, o: Record<string, unknown>): ReturnType<typeof bridgeOptionsFromConfig> {
  return bridgeOptionsFromConfig(`mqtts://127.0.0.1:${port}`, {
    caFile: join(dir, 'ca.pem'), certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client.key'), username: 'hub', password: 's3cret',
    reconnect: { baseMs: 50, capMs: 200, stableMs: 1000 }, presenceTopic: false, ...o,
  });
}

describe.skipIf(MOSQUITTO === undefined)('bridge over TLS to mosquitto (require_certificate, password file)', () => {
  it('with the CA, a client certificate and the password: forwards both ways', { timeout: 15_000 }, async () => {
    const { dir, port, rig } = await setup();
    const bridge = await rig.bridge(fromConfig(port, dir, { clientId: 'hub-bridge' }), port);
    await until(() => bridge.connected, 5000, 'the bridge connected over TLS');
    const mq = await rig.mqtt(port, {
      protocol: 'mqtts', ca: readPem(dir, 'ca.pem'), cert: readPem(dir, 'client.pem'), key: readPem(dir, 'client.key'), username: 'hub', password: 's3cret', clientId: 'watcher',
    });
    const got: string[] = [];
    mq.on('message', (t, p) => got.push(`${t}=${p.toString()}`));
    await mq.subscribeAsync('sensors/#', { qos: 1 });
    const { client } = await rig.device('dev-t');
    const heard: string[] = [];
    await client.subscribe('cmd/dev-t/#', { qos: 1 }, (p) => heard.push(`${p.topic}=${p.text()}`)).granted;
    await client.publish('sensors/dev-t/temp', '21.5', { qos: 1 });
    await mq.publishAsync('cmd/dev-t/led', 'on', { qos: 1 });
    await until(() => got.length === 1 && heard.length === 1, 5000, `both ways (out ${got}, in ${heard})`);
    expect(got).toEqual(['sensors/dev-t/temp=21.5']);
    expect(heard).toEqual(['cmd/dev-t/led=on']);
    expect(bridge.stats().link.failures).toEqual({});
  });

  it('a wrong CA, a client certificate of another CA, a wrong password: each a clear error, counted, nothing crashes', { timeout: 15_000 }, async () => {
    const { dir, port, rig } = await setup();
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['wrong CA', { caFile: join(dir, 'other.pem') }, 'tls-untrusted', /not trusted by the configured CA \(caFile\)/],
      ['foreign client certificate', { certFile: join(dir, 'stranger.pem'), keyFile: join(dir, 'stranger.key') }, 'tls-refused', /refused the handshake/],
      ['wrong password', { password: 'nope' }, 'auth', /refused the bridge's credentials/],
    ];
    const bridges: MqttBridge[] = [];
    for (const [name, o, kind, message] of cases) {
      const logs: string[] = [];
      const b = await rig.bridge({ ...fromConfig(port, dir, { clientId: `hub-${kind}`, ...o }), log: (l) => logs.push(l), logEveryMs: 0 }, port);
      bridges.push(b);
      await until(() => (b.stats().link.failures[kind as 'auth'] ?? 0) >= 2, 5000, `${name}: two failed attempts of kind ${kind} (have ${JSON.stringify(b.stats().link)})`);
      expect(b.connected, name).toBe(false);
      expect(b.stats().link.lastError, name).toMatch(message);
      expect(logs.some((l) => message.test(l)), `${name}: the log says it (${logs[0]})`).toBe(true);
      expect(Object.keys(b.stats().link.failures), name).toEqual([kind]);
    }
    // a TLS file that cannot be read stops the configuration, naming the key and the file
    expect(() => fromConfig(port, dir, { caFile: join(dir, 'missing.pem') })).toThrow(`config "mqtt.caFile": cannot read ${join(dir, 'missing.pem')}: ENOENT`);
    // the hub and a correctly configured bridge still work beside them
    const good = await rig.bridge(fromConfig(port, dir, { clientId: 'hub-good' }), port);
    await until(() => good.connected, 5000, 'the good bridge connected');
    expect(rig.hub.stats().drops).toBeDefined();
  });
});

function readPem(dir: string, f: string): Buffer {
  return readFileSync(join(dir, f));
}
