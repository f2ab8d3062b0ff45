/**
 * `npm start`: a site on loopback with no setup. A hub bridged to an embedded MQTT 5 broker (aedes)
 * and three simulated devices: a sensor publishing QoS 1 readings, an actuator serving RPC, a sleepy
 * device that wakes every few seconds. On the MQTT side, a subscriber counts the sensor's readings
 * and an MQTT 5 requester calls the actuator (Response Topic + Correlation Data) and sends the sleepy
 * device a command while it sleeps. On screen: a device reboot and a broker restart, then the
 * count that says nothing was lost; a status line every 2 s.
 *
 *   npm start                     # runs 30 s
 *   npm start -- --duration 60    # or until Ctrl-C: both end cleanly
 */
import { Aedes } from 'aedes';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, type MqttClient } from 'mqtt';
import { MqttBridge } from '../src/bridge/index.js';
import { Client, defaultCryptoSuite, deriveDeviceKey, generateKey, Hub, PairKeyring, SiteKeyring, startNode, type SaltwireNode } from '../src/index.js';

/** Short liveness timers so a sleeping device shows as offline within seconds (defaults: 25/30/10 s). */
const LIVENESS = { keepaliveMs: 500, probeAfterMs: 800, probeIntervalMs: 200, probeMaxIntervalMs: 400, unreachableAfterMs: 1_000, recoveryIntervalMs: 500 };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * aedes behind a TCP server on `port`: restartable on the same port (its state is in memory).
 * `admit` decides which client ids it lets in (default: all).
 */
async function broker(port: number, admit: (clientId: string) => boolean = () => true): Promise<{ port: number; stop(): Promise<void> }> {
  const b = await Aedes.createBroker();
  b.authenticate = (client, _user, _pass, done) => done(null, admit(client.id));
  const socks = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (s) => (socks.add(s), s.on('close', () => socks.delete(s)), b.handle(s)));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    stop: async () => {
      server.close();
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => b.close(() => r()));
    },
  };
}

export interface SiteDemoResult {
  readonly published: number;
  readonly received: number;
  readonly lost: number;
  readonly rpcOk: number;
  readonly rpcFailed: number;
  readonly sleepyCommands: number;
  readonly rebooted: boolean;
  readonly brokerRestarted: boolean;
}

export async function runSiteDemo(durationS: number, log: (s: string) => void, stop?: AbortSignal): Promise<SiteDemoResult> {
  const t0 = Date.now();
  const say = (s: string): void => log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${s}`);
  const dir = mkdtempSync(join(tmpdir(), 'saltwire-site-'));
  const suite = defaultCryptoSuite();
  const site = generateKey(suite);
  const closers: Array<() => Promise<void>> = [];
  let mq = await broker(0);
  const url = `mqtt://127.0.0.1:${mq.port}`;
  say(`MQTT 5 broker (aedes, embedded) on ${url}`);
  const hubNode = await startNode({ id: 'hub', keyring: new SiteKeyring(suite, site), listen: { host: '127.0.0.1' }, stateDir: join(dir, 'hub'), provisioning: true, suite, liveness: LIVENESS });
  const hub = await Hub.start(hubNode);
  const bridge = await MqttBridge.start(hub, {
    url, clientId: 'demo-bridge', reconnect: { baseMs: 500, capMs: 2000, stableMs: 3000 },
    rules: [
      { local: 'sensors/#', remote: 'site1/devices/{id}/sensors/#', direction: 'out', contentType: 'text/plain' },
      { local: 'cmd/{id}/#', remote: 'site1/commands/{id}/#', direction: 'in' },
    ],
  });
  say(`hub on udp ${hubNode.local.host}:${hubNode.local.port}, bridged: sensors/# -> site1/devices/{id}/sensors/#, site1/commands/{id}/# -> cmd/{id}/#, calls on saltwire/call/{id}/{method}`);
  bridge.on('connected', (e) => say(`bridge: connected to the broker${e.reconnects > 0 ? ` again (reconnect ${e.reconnects}), sending what it queued` : ''}`));
  bridge.on('disconnected', () => say(`bridge: broker gone; device publications are acknowledged once journaled, and wait (queue ${bridge.stats().outbox.depth})`));

  const device = async (id: string): Promise<{ node: SaltwireNode; client: Client }> => {
    const keyring = new PairKeyring().add('hub', 0, deriveDeviceKey(suite, site, id, 0));
    const node = await startNode({ id, keyring, listen: { host: '127.0.0.1' }, stateDir: join(dir, id), provisioning: true, suite, liveness: LIVENESS, peers: [{ id: 'hub', address: hubNode.local }] });
    return { node, client: await Client.start(node, { hub: 'hub' }) };
  };
  const mqtt = async (id: string): Promise<MqttClient> => {
    const c = connect(url, { protocolVersion: 5, clientId: id, reconnectPeriod: 100 });
    c.on('connect', () => (c.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true));
    await new Promise((r) => c.once('connect', r));
    closers.push(() => c.endAsync(true));
    return c;
  };

  // the MQTT side: a subscriber counting readings and watching presence, a requester
  const readings = new Set<number>();
  const sub = await mqtt('dashboard');
  sub.on('message', (topic, payload) => {
    if (topic === 'site1/devices/sensor-1/sensors/temp') readings.add(Number(payload.toString().split(' ')[0]));
    else if (topic.startsWith('saltwire/status/')) {
      const s = JSON.parse(payload.toString()) as { state: string; reason: string; seq: number };
      say(`mqtt: ${topic} ${s.state} (${s.reason}, seq ${s.seq})`);
    }
  });
  await sub.subscribeAsync(['site1/devices/#', 'saltwire/status/#'], { qos: 1 });
  const requester = await mqtt('requester');
  await requester.subscribeAsync('requester/replies', { qos: 1 });
  const replies = new Map<string, (p: { outcome: string; body: string }) => void>();
  requester.on('message', (_t, p, pk) => {
    const k = Buffer.from(pk.properties?.correlationData ?? []).toString();
    replies.get(k)?.({ outcome: String(pk.properties?.userProperties?.['sw-outcome']), body: p.toString() });
  });

  // the devices
  let sensor = await device('sensor-1');
  const actuator = await device('actuator-1');
  let led = false;
  actuator.client.serve('set', (params) => ((led = (params as { on: boolean }).on), { led }));
  closers.push(async () => (await actuator.client.close(), await actuator.node.close()));
  let published = 0;
  let sleepyCommands = 0;
  let rpcOk = 0;
  let rpcFailed = 0;
  let rebooted = false;
  let brokerRestarted = false;
  const end = t0 + durationS * 1000;
  const running = (): boolean => Date.now() < end && stop?.aborted !== true;
  /** Sleeps `ms`, or less: until the end or Ctrl-C. */
  const nap = (ms: number): Promise<void> =>
    new Promise((r) => {
      const t = setTimeout(r, Math.max(0, Math.min(ms, end - Date.now())));
      stop?.addEventListener('abort', () => (clearTimeout(t), r()), { once: true });
    });

  const sensorLoop = (async () => {
    while (running()) {
      const s = sensor;
      try {
        await s.client.publish('sensors/temp', `${published} ${(21 + Math.sin(published / 5)).toFixed(2)} C`, { qos: 1 });
        published++; // acknowledged by the hub: durably queued in the bridge
      } catch {
        /* the reboot closed it mid-publish: sent again below */
      }
      await nap(200);
    }
  })();
  const sleepyLoop = (async () => {
    while (running()) {
      const d = await device('sleepy-1');
      await d.client.ready({ timeoutMs: 3000 }).catch(() => undefined);
      d.client.subscribe('cmd/sleepy-1/#', { qos: 1 }, (p) => (sleepyCommands++, say(`sleepy-1: awake, got ${p.topic} = ${p.text()} (${p.retained ? 'retained' : 'kept for it while it slept'})`)));
      await d.client.publish('sensors/battery', '3.1 V', { qos: 1 }).catch(() => undefined);
      await nap(500);
      await d.client.close();
      await d.node.close();
      if (!running()) break;
      await nap(3500);
    }
  })();
  const rpcLoop = (async () => {
    let n = 0;
    while (running()) {
      await nap(1500);
      if (!running()) break;
      const corr = `c${n++}`;
      const t = performance.now();
      const got = new Promise<{ outcome: string; body: string } | undefined>((r) => (replies.set(corr, r), setTimeout(() => r(undefined), Math.max(500, Math.min(3000, end - Date.now())))));
      await requester.publishAsync('saltwire/call/actuator-1/set', JSON.stringify({ on: n % 2 === 1 }), { qos: 1, properties: { responseTopic: 'requester/replies', correlationData: Buffer.from(corr), messageExpiryInterval: 2 } }).catch(() => undefined);
      const r = await got;
      replies.delete(corr);
      if (r?.outcome === 'ok') rpcOk++;
      else rpcFailed++;
      say(`mqtt5 request saltwire/call/actuator-1/set -> ${r === undefined ? 'no answer (the broker was restarting)' : `${r.outcome} ${r.body}`} in ${(performance.now() - t).toFixed(1)} ms`);
    }
  })();
  const status = setInterval(() => {
    const peers = ['sensor-1', 'actuator-1', 'sleepy-1'].map((id) => `${id} ${hubNode.peer(id)?.reachability ?? 'unknown'}`).join(', ');
    const drops = Object.entries(hubNode.stats.drops).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
    const b = bridge.stats();
    say(`status: ${peers} | hub drops: ${drops} | readings ${published} published, ${readings.size} at MQTT | bridge ${b.connected ? 'up' : 'DOWN'}, reconnects ${b.reconnects}, queue ${b.outbox.depth}, broker RTT ${b.brokerRttMs.avg.toFixed(1)} ms, receipts ${b.receipts.acked} acked ${b.receipts.expired} expired ${b.receipts.dropped} dropped`);
  }, 2000);

  // the script: a device reboot, a broker restart, a command for a sleeping device
  const script = (async () => {
    await nap(3000);
    if (!running()) return;
    await requester.publishAsync('site1/commands/sleepy-1/mode', 'eco', { qos: 1, retain: true });
    say('mqtt: retained command site1/commands/sleepy-1/mode = eco (for a device that is asleep)');
    await nap(1500);
    if (!running()) return;
    say('REBOOT: sensor-1 restarts (kill and start again, state directory kept)');
    const old = sensor;
    sensor = await device('sensor-1');
    await old.client.close();
    await old.node.close();
    rebooted = true;
    await nap(3000);
    if (!running()) return;
    say('BROKER RESTART: the broker stops for 2 s (its memory is lost); the bridge queues, then resends');
    await mq.stop();
    await sleep(2000);
    // a restarted broker knows no subscription: the dashboard is let back in and subscribed before the
    // bridge, which then sends what it queued (else those readings would reach a broker with no
    // subscriber, and MQTT drops them there, whatever the bridge does)
    let bridgeBack = false;
    mq = await broker(mq.port, (id) => id !== 'demo-bridge' || bridgeBack);
    if (!sub.connected) await new Promise((r) => sub.once('connect', r));
    await sub.subscribeAsync(['site1/devices/#', 'saltwire/status/#'], { qos: 1 });
    bridgeBack = true;
    brokerRestarted = true;
    await nap(2000);
    if (!running()) return;
    await requester.publishAsync('site1/commands/sleepy-1/blink', '3', { qos: 1 });
    say('mqtt: command site1/commands/sleepy-1/blink = 3 (QoS 1, not retained: the hub keeps it for the sleeping device)');
  })();

  await Promise.all([sensorLoop, sleepyLoop, rpcLoop, script]);
  clearInterval(status);
  // what was published reaches the MQTT side: wait for the queue to drain (bounded)
  const drainUntil = Date.now() + 5000;
  while (readings.size < published && Date.now() < drainUntil) await sleep(50);
  const lost = published - readings.size;
  say(`done: ${published} readings published (each acknowledged once durable), ${readings.size} at the MQTT subscriber, lost ${lost}; RPC ${rpcOk} ok, ${rpcFailed} failed; ${sleepyCommands} commands reached the sleepy device`);
  await sensor.client.close();
  await sensor.node.close();
  for (const c of closers.reverse()) await c().catch(() => undefined);
  await hub.close();
  await bridge.close();
  await hubNode.close();
  await mq.stop();
  rmSync(dir, { recursive: true, force: true });
  return { published, received: readings.size, lost, rpcOk, rpcFailed, sleepyCommands, rebooted, brokerRestarted };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--duration');
  const durationS = i > 0 ? Number(process.argv[i + 1]) : 30;
  if (!(durationS > 0)) {
    console.error('usage: npm start [-- --duration SECONDS]');
    process.exit(1);
  }
  const ac = new AbortController();
  // Ctrl-C reaches this process twice under tsx (from the terminal and relayed): the first one stops
  const onSignal = (): void => {
    if (!ac.signal.aborted) console.log('stopping cleanly');
    ac.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const r = await runSiteDemo(durationS, (s) => console.log(s), ac.signal);
  process.exit(r.lost === 0 ? 0 : 1);
}
