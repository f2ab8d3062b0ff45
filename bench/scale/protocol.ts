/**
 * What bench/scale.ts and its device workers (bench/scale/worker.ts) say to each other over IPC,
 * the payload every publication carries, and which behaviour each simulated device has.
 */
import type { SystemName } from './servers.js';

/** Fractions of the devices with each behaviour of the heavier mix (`--mix`); the rest publish at QoS 0. */
export interface Mix {
  /** Publish every `sleepyPeriodMs` and send no keepalive of their own (Saltwire keepaliveMs 0, MQTT keepalive 0). */
  readonly sleepy: number;
  /** Call `echo` on the subscriber process through the hub/broker every period instead of publishing. */
  readonly rpc: number;
  /** Publish at QoS 1. */
  readonly qos1: number;
}

export const NO_MIX: Mix = { sleepy: 0, rpc: 0, qos1: 0 };
export const HEAVY_MIX: Mix = { sleepy: 0.2, rpc: 0.1, qos1: 0.2 };

export type Behaviour = 'plain' | 'sleepy' | 'rpc' | 'qos1';

/** Deterministic behaviour of device `i`: the fractions are laid out over each block of 100 ids. */
export function behaviourOf(i: number, mix: Mix): Behaviour {
  const r = (i * 37) % 100; // spreads each behaviour over the id range (and so over the workers)
  if (r < mix.sleepy * 100) return 'sleepy';
  if (r < (mix.sleepy + mix.rpc) * 100) return 'rpc';
  if (r < (mix.sleepy + mix.rpc + mix.qos1) * 100) return 'qos1';
  return 'plain';
}

export interface WorkerConfig {
  readonly system: SystemName;
  readonly port: number;
  readonly ca?: string;
  readonly siteHex: string;
  /** Devices [from, to) are this worker's; device i has id `d<i>`. */
  readonly from: number;
  readonly to: number;
  readonly periodMs: number;
  readonly sleepyPeriodMs: number;
  readonly payloadBytes: number;
  readonly mix: Mix;
  /** Devices connecting at once. */
  readonly connectBatch: number;
  readonly connectTimeoutMs: number;
  /** Saltwire devices each bind their own loopback address (127.1.x.y), else all 127.0.0.1. */
  readonly ownAddresses: boolean;
  /** udp-recv, udp-echo and udp-relay devices: the keepalive interval, ms (bench/idle.ts; Saltwire's default, 25 s). */
  readonly keepaliveMs?: number;
  /** The same devices: the keepalive's size, bytes (udp-relay: at least 12, udp-floor.ts tells it by bytes 8..11). */
  readonly keepaliveBytes?: number;
}

export type ToWorker = { cmd: 'start' } | { cmd: 'report'; from: number; to: number } | { cmd: 'close' };

export interface WorkerReport {
  /** Publications made since start (calls not included). */
  readonly sent: number;
  /** Publications made with their send time in the window [from, to]. */
  readonly sentInWindow: number;
  /** p99 of how late a device published against its schedule, ms (the generator's own lag). */
  readonly lagP99Ms: number;
  /** Round-trip times of the calls made in the window, µs. */
  readonly rpcUs: number[];
  readonly rpcFailed: number;
  readonly errors: number;
}

export type FromWorker =
  | { ev: 'ready'; connected: number; failed: number; firstError?: string; ms: number }
  | { ev: 'report'; report: WorkerReport }
  | { ev: 'closed' };

/** hrtime (CLOCK_MONOTONIC, shared by every process of the machine) in ns, as a double (exact below 2^53 ns, 104 days). */
export const nowNs = (): number => Number(process.hrtime.bigint());

/** The payload: send time (f64 ns), device index (u32), sequence (u32), padding. */
export function makePayload(bytes: number, device: number, seq: number): Uint8Array {
  const b = new Uint8Array(Math.max(16, bytes));
  const v = new DataView(b.buffer);
  v.setUint32(8, device, true);
  v.setUint32(12, seq, true);
  v.setFloat64(0, nowNs(), true); // last: as close to the send as the payload allows
  return b;
}

export function payloadTime(b: Uint8Array): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getFloat64(0, true);
}
