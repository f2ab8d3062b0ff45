/**
 * The peer figures as data: every MQTT broker variant through the three MQTT loads, and the raw UDP
 * baselines, bounded so that the whole set runs in about a minute. bench/mqtt-peers.ts prints them;
 * a Saltwire bench imports measureMqttPeers()/measureUdpPeers() to print its own figures beside them
 * in the same run (absolute numbers drift between machines and runs, ratios hold).
 */
import { findMosquitto, startMosquitto } from './mosquitto.js';
import { startAedes, startAedesProcess } from './aedes.js';
import { qos0Throughput, qos1Throughput, requestResponse, type BrokerAddress } from './mqtt-load.js';
import { udpPingPong, udpThroughput, type UdpThroughputResult } from './udp-pingpong.js';
import { medianByRate, type LatencyResult, type ThroughputResult } from './util.js';

export interface RunningBroker extends BrokerAddress {
  stop(): Promise<void>;
}

export interface BrokerVariant {
  readonly name: string;
  /** what differs from the broker's defaults */
  readonly note: string;
  /** TCP_NODELAY on the MQTT.js client sockets */
  readonly clientNoDelay: boolean;
  start(): Promise<RunningBroker>;
  /** why this variant cannot run here (e.g. no mosquitto binary), if it cannot */
  readonly unavailable?: string;
}

export function brokerVariants(): BrokerVariant[] {
  const noMosquitto = findMosquitto() ? undefined : 'mosquitto binary not found (apt-get install mosquitto)';
  return [
    {
      name: 'mosquitto',
      note: 'defaults (Nagle on, max_inflight_messages 20, max_queued_messages 1000); own process',
      clientNoDelay: false,
      start: () => startMosquitto(),
      ...(noMosquitto ? { unavailable: noMosquitto } : {}),
    },
    {
      name: 'mosquitto tuned',
      note: 'set_tcp_nodelay true, max_inflight_messages 1000, max_queued_messages 10000; clients TCP_NODELAY; own process',
      clientNoDelay: true,
      start: () => startMosquitto({ tuned: true }),
      ...(noMosquitto ? { unavailable: noMosquitto } : {}),
    },
    {
      name: 'aedes',
      note: 'defaults (Nagle on); broker in a child process',
      clientNoDelay: false,
      start: () => startAedesProcess(),
    },
    {
      name: 'aedes nodelay',
      note: 'TCP_NODELAY on broker and client sockets; broker in a child process',
      clientNoDelay: true,
      start: () => startAedesProcess({ noDelay: true }),
    },
    {
      name: 'aedes in-process',
      note: 'TCP_NODELAY everywhere; broker on the same event loop as the clients (as in the demo and tests)',
      clientNoDelay: true,
      start: () => startAedes({ noDelay: true }),
    },
  ];
}

/** Per-run bounds. The defaults keep five variants + UDP near 60-80 s on a 2-vCPU VM. */
export interface MqttBudget {
  /** throughput runs per cell; the table shows the median (loss is summed over all of them) */
  repeats: number;
  qos0Messages: number;
  qos1Messages: number;
  qos1Inflight: number;
  roundTrips: number;
  /** QoS 1 request/response: few round trips, since with Nagle each one costs ~40-90 ms */
  qos1RoundTrips: number;
  /** time limit of each throughput run */
  throughputMs: number;
  rrMs: number;
  qos1RrMs: number;
}

export const DEFAULT_BUDGET: MqttBudget = {
  repeats: 3,
  qos0Messages: 100_000,
  qos1Messages: 50_000,
  qos1Inflight: 500,
  roundTrips: 2000,
  qos1RoundTrips: 300,
  throughputMs: 4000,
  rrMs: 5000,
  qos1RrMs: 2000,
};

export interface MqttFigures {
  variant: string;
  note: string;
  /** the median run, and every run */
  qos0?: ThroughputResult;
  qos0Runs?: ThroughputResult[];
  qos1?: ThroughputResult;
  qos1Runs?: ThroughputResult[];
  rr?: LatencyResult;
  rrQos1?: LatencyResult;
  /** set when the variant was skipped or failed */
  error?: string;
}

/** Starts the broker, runs the loads one after another, stops the broker (also on error). */
export async function measureMqttVariant(v: BrokerVariant, b: MqttBudget = DEFAULT_BUDGET): Promise<MqttFigures> {
  const out: MqttFigures = { variant: v.name, note: v.note };
  if (v.unavailable) return { ...out, error: `skipped: ${v.unavailable}` };
  let broker: RunningBroker | undefined;
  try {
    broker = await v.start();
    const noDelay = v.clientNoDelay;
    out.qos0Runs = [];
    for (let i = 0; i < b.repeats; i++) out.qos0Runs.push(await qos0Throughput(broker, { messages: b.qos0Messages, timeLimitMs: b.throughputMs, noDelay }));
    out.qos0 = medianByRate(out.qos0Runs);
    out.qos1Runs = [];
    for (let i = 0; i < b.repeats; i++) {
      out.qos1Runs.push(await qos1Throughput(broker, { messages: b.qos1Messages, inflight: b.qos1Inflight, timeLimitMs: b.throughputMs, noDelay }));
    }
    out.qos1 = medianByRate(out.qos1Runs);
    out.rr = await requestResponse(broker, { roundTrips: b.roundTrips, timeLimitMs: b.rrMs, noDelay });
    out.rrQos1 = await requestResponse(broker, { qos: 1, roundTrips: b.qos1RoundTrips, warmup: 10, timeLimitMs: b.qos1RrMs, noDelay });
  } catch (e) {
    out.error = e instanceof Error ? e.message : String(e);
  } finally {
    await broker?.stop();
  }
  return out;
}

export async function measureMqttPeers(b: MqttBudget = DEFAULT_BUDGET, variants = brokerVariants()): Promise<MqttFigures[]> {
  const all: MqttFigures[] = [];
  for (const v of variants) all.push(await measureMqttVariant(v, b));
  return all;
}

export interface UdpFigures {
  pingCross: LatencyResult;
  pingIn: LatencyResult;
  /** 100 B, receiver in a child process, unpaced sender */
  tputUnpaced: UdpThroughputResult;
  /** 100 B, receiver in a child process, sender paced at 100k/s (a rate one Node sender holds) */
  tputPaced: UdpThroughputResult;
}

export async function measureUdpPeers(): Promise<UdpFigures> {
  const pingCross = await udpPingPong({ mode: 'cross-process', roundTrips: 2000, timeLimitMs: 4000 });
  const pingIn = await udpPingPong({ mode: 'in-process', roundTrips: 2000, timeLimitMs: 4000 });
  const tputUnpaced = await udpThroughput({ datagrams: 300_000, timeLimitMs: 4000 });
  const tputPaced = await udpThroughput({ datagrams: 200_000, ratePerSec: 100_000, timeLimitMs: 4000 });
  return { pingCross, pingIn, tputUnpaced, tputPaced };
}
