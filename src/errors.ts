/**
 * Errors raised to API callers. Each class has a stable `code`; callers branch on the class
 * (`instanceof`) or the code, never on the message. Bad input from the network is never an
 * error: it is a counted drop (spec 6).
 * @module
 */

/**
 * Base class of every error the SDK throws on purpose.
 * @group Errors
 */
export class SaltwireError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * An argument is of the wrong type, length or range. The message names the argument.
 * @group Errors
 */
export class InvalidArgumentError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, options);
  }
}

/**
 * A node id does not match `[A-Za-z0-9_-]{1,32}` (spec 3.2).
 * @group Errors
 */
export class InvalidNodeIdError extends SaltwireError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_INVALID_NODE_ID', `invalid node id ${JSON.stringify(id)}: expected 1 to 32 characters from A-Z a-z 0-9 _ -`);
    this.id = id;
  }
}

/**
 * A key is not 32 bytes, or a generation is outside 0..255.
 * @group Errors
 */
export class InvalidKeyError extends SaltwireError {
  constructor(message: string) {
    super('ERR_INVALID_KEY', message);
  }
}

/**
 * The traffic key's counter is used up (spec 5.1). The caller must start a new epoch
 * (spec 5.2-3) before sending again; nothing was sent.
 * @group Errors
 */
export class CounterExhaustedError extends SaltwireError {
  constructor() {
    super('ERR_COUNTER_EXHAUSTED', 'counter limit reached: a new epoch must be started before sending');
  }
}

/**
 * The epoch could not be persisted, or the last epoch is used up (spec 5.2-2). The node must not
 * send: doing so could reuse a nonce.
 * @group Errors
 */
export class EpochPersistError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_EPOCH_PERSIST', message, options);
  }
}

/**
 * A transport failed locally: the socket is closed, or the OS refused the send or bind.
 * @group Errors
 */
export class TransportError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TRANSPORT', message, options);
  }
}

/**
 * The peer is known to be unreachable (spec 11): the operation failed at once instead of waiting.
 * @group Errors
 */
export class PeerUnreachableError extends SaltwireError {
  readonly peer: string;
  constructor(peer: string) {
    super('ERR_PEER_UNREACHABLE', `peer ${JSON.stringify(peer)} is unreachable`);
    this.peer = peer;
  }
}

/**
 * The peer is not in the peer table and no address for it is known, so nothing can be sent.
 * @group Errors
 */
export class UnknownPeerError extends SaltwireError {
  readonly peer: string;
  constructor(peer: string) {
    super('ERR_UNKNOWN_PEER', `no address known for peer ${JSON.stringify(peer)}`);
    this.peer = peer;
  }
}

/**
 * The node was closed; nothing more can be sent or received.
 * @group Errors
 */
export class NodeClosedError extends SaltwireError {
  constructor() {
    super('ERR_NODE_CLOSED', 'the node is closed');
  }
}

/**
 * A reliable message was not acknowledged by its deadline (spec 14.8), or a fragmented message not
 * within FRAGMENT_LIFETIME (spec 14.6). The peer may still have received it: the acknowledgement is
 * what did not arrive in time. Nothing more is sent for it.
 * @group Errors
 */
export class DeadlineExceededError extends SaltwireError {
  readonly peer: string;
  /** The ticket `send` returned for the message. */
  readonly ticket: number;
  /** 'queued': it never left the outbox; 'in-flight': sent and not (fully) acknowledged. */
  readonly stage: 'queued' | 'in-flight';
  constructor(peer: string, ticket: number, stage: 'queued' | 'in-flight') {
    super('ERR_DEADLINE_EXCEEDED', `message ${ticket} to peer ${JSON.stringify(peer)} was not acknowledged by its deadline (${stage})`);
    this.peer = peer;
    this.ticket = ticket;
    this.stage = stage;
  }
}

/**
 * A message is larger than the peer reassembles (its MAX_MESSAGE, spec 14.6), or an unreliable
 * message does not fit one datagram. Nothing was sent.
 * @group Errors
 */
export class MessageTooLargeError extends SaltwireError {
  readonly size: number;
  readonly limit: number;
  constructor(size: number, limit: number, what = 'message') {
    super('ERR_MESSAGE_TOO_LARGE', `${what} of ${size} bytes is over the limit of ${limit} bytes`);
    this.size = size;
    this.limit = limit;
  }
}

/**
 * The peer's outbox is full (spec 14.8): the message was not accepted.
 * @group Errors
 */
export class OutboxFullError extends SaltwireError {
  readonly peer: string;
  constructor(peer: string, maxMessages: number, maxBytes: number) {
    super('ERR_OUTBOX_FULL', `outbox of peer ${JSON.stringify(peer)} is full (limits: ${maxMessages} messages, ${maxBytes} bytes)`);
    this.peer = peer;
  }
}

/**
 * The hub did not answer within `timeoutMs` (Client.ready): no authenticated datagram from it
 * arrived. A hub that is not running, a wrong address and a wrong key look the same from here: a
 * hub drops a datagram it cannot authenticate without answering (spec 6), so the message names
 * both suspects.
 * @group Errors
 */
export class HubUnreachableError extends SaltwireError {
  /** The hub's node id. */
  readonly hub: string;
  /** `HOST:PORT` the hub was sent to, or undefined if the node knows no address for it. */
  readonly address: string | undefined;
  readonly timeoutMs: number;
  constructor(hub: string, address: string | undefined, timeoutMs: number) {
    const where = address ?? `hub ${JSON.stringify(hub)}`;
    super('ERR_HUB_UNREACHABLE', `no answer from ${where} in ${timeoutMs} ms: is the hub running, and is this device's key right?`);
    this.hub = hub;
    this.address = address;
    this.timeoutMs = timeoutMs;
  }
}
