/**
 * Operations of the message layer (spec 15.3): their types and constants. The codec is
 * op-codec.ts. An operation is the data of one MSG frame on its channel; names and fields are those
 * of the spec's table.
 * @module
 */

/** Channels of the message layer [SW-15.3-1]; 1-15 are reserved for it. */
export const CONTROL_CHANNEL = 1;
export const PUBLISH_CHANNEL = 2;
export const RPC_CHANNEL = 3;
export const FIRST_APP_RESERVED_CHANNEL = 1;
export const LAST_MESSAGE_LAYER_CHANNEL = 15;

/**
 * OP bytes [SW-15.3-5]. A PUBLISH is every OP with bit 7 set: its low 7 bits are its flags. 0x01 (the
 * PUBLISH of draft 1) is retired and never sent.
 */
export const OP_PUBLISH = 0x80;
export const OP_SUBSCRIBE = 0x02;
export const OP_SUBACK = 0x03;
export const OP_UNSUBSCRIBE = 0x04;
export const OP_UNSUBACK = 0x05;
export const OP_SYNC = 0x06;
export const OP_WILL = 0x07;
export const OP_ALIAS = 0x08;
export const OP_PUBNACK = 0x09;
export const OP_CALL = 0x10;
export const OP_CALLACK = 0x11;
export const OP_RESULT = 0x12;

/** PUBLISH flag bits, in its OP byte; PUB_ID is present exactly at QoS 2 and has no bit. */
export const PUB_QOS_MASK = 0x03;
export const PUB_RETAIN = 0x04;
export const PUB_ALIAS = 0x08;
export const PUB_TOPIC = 0x10;
export const PUB_FROM = 0x20;
/** REF present: the publisher's reference for a PUBNACK [SW-15.4-4]. */
export const PUB_REF = 0x40;

/** SUBACK codes besides the granted QoS. */
export const SUBACK_REFUSED = 0x80;
export const SUBACK_INVALID = 0x81;
export const SUBACK_LIMIT = 0x82;

/**
 * PUBNACK reasons [SW-15.4-4]: the same numbers as the SUBACK codes where the meaning is the same.
 * REFUSED says nothing about why access control refused ([SW-17.8-2]).
 */
export const PUBNACK_REFUSED = 0x80;
export const PUBNACK_LIMIT = 0x82;
export const PUBNACK_NOT_DURABLE = 0x83;
export const PUBNACK_REASONS: readonly number[] = [PUBNACK_REFUSED, PUBNACK_LIMIT, PUBNACK_NOT_DURABLE];

/** Longest method name, bytes of UTF-8 [SW-15.3-5]. */
export const MAX_METHOD_BYTES = 64;

/** @group Pub/sub */
export type QoS = 0 | 1 | 2;

/** RPC outcomes [SW-16.2-1] (the same numbers as RpcOutcome in rpc/errors.ts). */
export const OUTCOME_OK = 0;
export const OUTCOME_NO_RESPONDER = 1;
export const OUTCOME_REJECTED = 2;
export const OUTCOME_REMOTE_ERROR = 3;
export const OUTCOME_UNREACHABLE = 4;
export const OUTCOME_TIMEOUT = 5;

export interface PublishOp {
  readonly op: 'PUBLISH';
  readonly qos: QoS;
  readonly retain: boolean;
  readonly alias?: number;
  readonly topic?: string;
  readonly from?: string;
  /** Present if and only if qos is 2 [SW-15.4-2]. */
  readonly pubId?: bigint;
  /** The publisher's reference (QoS 1 and 2 only), echoed by a PUBNACK [SW-15.4-4]. */
  readonly ref?: number;
  readonly payload: Uint8Array;
}

/** The hub did not take a publication that carried REF [SW-15.4-4]. */
export interface PubNackOp {
  readonly op: 'PUBNACK';
  readonly ref: number;
  /** PUBNACK_REFUSED, PUBNACK_LIMIT or PUBNACK_NOT_DURABLE. */
  readonly reason: number;
}

export interface SubscribeOp {
  readonly op: 'SUBSCRIBE';
  readonly req: number;
  readonly filters: ReadonlyArray<{ readonly filter: string; readonly qos: QoS }>;
}

export interface SubackOp {
  readonly op: 'SUBACK';
  readonly req: number;
  readonly codes: readonly number[];
}

export interface UnsubscribeOp {
  readonly op: 'UNSUBSCRIBE';
  readonly req: number;
  readonly filters: readonly string[];
}

export interface UnsubackOp {
  readonly op: 'UNSUBACK';
  readonly req: number;
}

/**
 * The limits a node declares in every SYNC [SW-15.5-8]: the most its peer may send it. A hub
 * honours them towards that node: no datagram longer than maxDatagram, no message longer than
 * maxMessage, no alias above maxAliases, no more than window ids ahead of its acknowledgements.
 */
export interface PeerLimits {
  /** Longest datagram it takes, header to tag: MIN_MAX_DATAGRAM (512) to 65507. */
  readonly maxDatagram: number;
  /** Longest message (all its fragments) it reassembles: 1 to 2^32-1. */
  readonly maxMessage: number;
  /** Topic aliases it keeps from its peer: 0 to 65535 (0: none). */
  readonly maxAliases: number;
  /** Message ids it takes ahead of its cumulative point (RECEIVE_WINDOW): 1 to 65535. */
  readonly window: number;
}

/** Bounds of the declared limits that a receiver checks [SW-15.3-6]. */
export const LIMITS_MIN_DATAGRAM = 512;
export const LIMITS_MAX_DATAGRAM = 65_507;

export interface SyncOp {
  readonly op: 'SYNC';
  readonly req: number;
  readonly limits: PeerLimits;
  readonly filters: ReadonlyArray<{ readonly filter: string; readonly qos: QoS }>;
}

export interface WillOp {
  readonly op: 'WILL';
  readonly qos: QoS;
  readonly retain: boolean;
  /** Empty clears the will [SW-15.9-3]. */
  readonly topic: string;
  readonly payload: Uint8Array;
}

export interface AliasOp {
  readonly op: 'ALIAS';
  readonly alias: number;
  readonly topic: string;
}

export interface CallOp {
  readonly op: 'CALL';
  readonly callId: bigint;
  readonly timeoutMs: number;
  /** Empty: the receiver is the target. */
  readonly to: string;
  /** Empty from the caller; set by a forwarding hub. */
  readonly from: string;
  readonly method: string;
  /** One MessagePack value; empty means nil [SW-16.1-1]. */
  readonly params: Uint8Array;
}

export interface CallAckOp {
  readonly op: 'CALLACK';
  readonly callId: bigint;
  readonly to: string;
}

export interface ResultOp {
  readonly op: 'RESULT';
  readonly callId: bigint;
  readonly to: string;
  readonly outcome: number;
  readonly body: Uint8Array;
}

export type Op = PublishOp | PubNackOp | SubscribeOp | SubackOp | UnsubscribeOp | UnsubackOp | SyncOp | WillOp | AliasOp | CallOp | CallAckOp | ResultOp;

/** The channel an operation travels on [SW-15.3-1]. */
export function channelOf(op: Op['op']): number {
  switch (op) {
    case 'PUBLISH':
      return PUBLISH_CHANNEL;
    case 'CALL':
    case 'CALLACK':
    case 'RESULT':
      return RPC_CHANNEL;
    default:
      return CONTROL_CHANNEL;
  }
}
