/**
 * The messages hubs of a cluster exchange for calls between their devices, on the broker topic
 * `<prefix>/rpc/<hub>` of the hub they are for (MQTT QoS 1, not durable: a call is not either;
 * the caller's timeout covers a message lost with a connection). MessagePack arrays; call ids as
 * decimal strings (they are u64):
 *
 *   [1, caller, callId, timeoutMs, target, method, params, replyHub]  a CALL for a target held there
 *   [2, caller, callId]                                               the target acknowledged it
 *   [3, caller, callId, outcome, body]                                the RESULT for a caller held there
 *
 * A hub forwards what it takes only to nodes it holds (RemoteForwarding's deliver / toCaller), so a
 * message crosses at most one hub boundary: no loop, whatever the routes say meanwhile.
 * @module
 */
import { decode, encode } from '@msgpack/msgpack';

/** @group Cluster */
export interface RelayCall {
  readonly kind: 'call';
  readonly caller: string;
  readonly callId: bigint;
  readonly timeoutMs: number;
  readonly target: string;
  readonly method: string;
  readonly params: Uint8Array;
  readonly replyHub: string;
}

/** @group Cluster */
export interface RelayAck {
  readonly kind: 'ack';
  readonly caller: string;
  readonly callId: bigint;
}

/** @group Cluster */
export interface RelayResult {
  readonly kind: 'result';
  readonly caller: string;
  readonly callId: bigint;
  readonly outcome: number;
  readonly body: Uint8Array;
}

/** @group Cluster */
export type RelayMessage = RelayCall | RelayAck | RelayResult;

/** @group Cluster */
export function encodeRelay(m: RelayMessage): Uint8Array {
  const id = m.callId.toString();
  switch (m.kind) {
    case 'call':
      return encode([1, m.caller, id, m.timeoutMs, m.target, m.method, m.params, m.replyHub]);
    case 'ack':
      return encode([2, m.caller, id]);
    case 'result':
      return encode([3, m.caller, id, m.outcome, m.body]);
  }
}

/**
 * The message, or undefined for bytes that are not one (dropped and counted by the caller).
 * @group Cluster
 */
export function decodeRelay(bytes: Uint8Array): RelayMessage | undefined {
  let v: unknown;
  try {
    v = decode(bytes);
  } catch {
    return undefined;
  }
  if (!Array.isArray(v) || typeof v[1] !== 'string' || typeof v[2] !== 'string' || !/^\d{1,20}$/.test(v[2])) return undefined;
  const caller = v[1];
  const callId = BigInt(v[2]);
  if (v[0] === 1 && v.length === 8 && typeof v[3] === 'number' && typeof v[4] === 'string' && typeof v[5] === 'string' && v[6] instanceof Uint8Array && typeof v[7] === 'string') {
    return { kind: 'call', caller, callId, timeoutMs: v[3], target: v[4], method: v[5], params: v[6], replyHub: v[7] };
  }
  if (v[0] === 2 && v.length === 3) return { kind: 'ack', caller, callId };
  if (v[0] === 3 && v.length === 5 && typeof v[3] === 'number' && v[4] instanceof Uint8Array) return { kind: 'result', caller, callId, outcome: v[3], body: v[4] };
  return undefined;
}
