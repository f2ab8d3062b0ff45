/**
 * The peer-benchmark harness measures something: each broker starts on its own port, tiny bounded
 * runs deliver every message, round trips complete, and stop() leaves no broker behind. The
 * mosquitto cases skip (saying why) where the binary is not installed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { configText, findMosquitto, startMosquitto } from '../../bench/peers/mosquitto.js';
import { startAedes, startAedesProcess, type AedesBroker } from '../../bench/peers/aedes.js';
import { qos0Throughput, qos1Throughput, requestResponse, type BrokerAddress } from '../../bench/peers/mqtt-load.js';
import { udpPingPong, udpThroughput } from '../../bench/peers/udp-pingpong.js';

const N = 200;

async function tinyRuns(addr: BrokerAddress, noDelay: boolean): Promise<void> {
  const q0 = await qos0Throughput(addr, { messages: N, timeLimitMs: 3000, noDelay });
  expect(q0).toMatchObject({ sent: N, received: N, lost: 0, timedOut: false });
  expect(q0.msgsPerSec).toBeGreaterThan(0);
  const q1 = await qos1Throughput(addr, { messages: N, inflight: 50, timeLimitMs: 3000, noDelay });
  expect(q1).toMatchObject({ sent: N, received: N, lost: 0, timedOut: false });
  const rr = await requestResponse(addr, { roundTrips: 50, warmup: 5, timeLimitMs: 3000, noDelay });
  expect(rr.count).toBe(50);
  expect(rr.p50Us).toBeGreaterThan(0);
  expect(rr.p99Us).toBeGreaterThanOrEqual(rr.p50Us);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const mosquitto = findMosquitto();
if (!mosquitto) console.warn('test/bench/peers: mosquitto binary not found (apt-get install mosquitto, or set MOSQUITTO_BIN): mosquitto cases skipped');

describe.skipIf(!mosquitto)('mosquitto peer', () => {
  for (const tuned of [false, true]) {
    it(`${tuned ? 'tuned' : 'plain'}: own port, delivers, stops`, async () => {
      const b = await startMosquitto({ tuned });
      try {
        expect(b.port).not.toBe(1883);
        expect(b.config).toContain(`listener ${b.port} 127.0.0.1`);
        expect(b.config.includes('set_tcp_nodelay true')).toBe(tuned);
        await tinyRuns(b, tuned);
      } finally {
        await b.stop();
      }
      expect(alive(b.pid)).toBe(false);
    });
  }
});

describe('mosquitto config', () => {
  it('tuned raises the QoS 1 limits and sets TCP_NODELAY; plain keeps the defaults', () => {
    const t = configText(40000, { tuned: true });
    expect(t).toMatch(/^set_tcp_nodelay true$/m);
    expect(t).toMatch(/^max_inflight_messages 1000$/m);
    expect(t).toMatch(/^max_queued_messages 10000$/m);
    const p = configText(40000);
    expect(p).not.toMatch(/set_tcp_nodelay|max_inflight_messages|max_queued_messages/);
    expect(p).toMatch(/^allow_anonymous true$/m);
  });
});

describe('aedes peer', () => {
  const started: AedesBroker[] = [];
  afterAll(async () => {
    await Promise.all(started.map((b) => b.stop()));
  });

  it('in process: delivers and stops', async () => {
    const b = await startAedes({ noDelay: true });
    started.push(b);
    await tinyRuns(b, true);
    await b.stop();
  });

  it('in a child process: delivers and stops', async () => {
    const b = await startAedesProcess();
    started.push(b);
    expect(typeof b.where).toBe('number');
    await tinyRuns(b, false);
    await b.stop();
    expect(alive(b.where as number)).toBe(false);
  });
});

describe('raw UDP baseline', () => {
  it('ping-pong completes in and across processes', async () => {
    for (const mode of ['in-process', 'cross-process'] as const) {
      const r = await udpPingPong({ mode, roundTrips: 100, warmup: 10, timeLimitMs: 3000 });
      expect(r.count).toBe(100);
      expect(r.p50Us).toBeGreaterThan(0);
    }
  });

  it('one-way datagrams arrive', async () => {
    const r = await udpThroughput({ datagrams: 2000, ratePerSec: 100_000, timeLimitMs: 3000 });
    expect(r.sent).toBe(2000);
    expect(r.received).toBeGreaterThan(1900);
    expect(r.recvPerSec).toBeGreaterThan(0);
  });
});
