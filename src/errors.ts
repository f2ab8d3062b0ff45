/**
 * Errors raised to API callers. Each class has a stable `code`; callers branch on the class
 * (`instanceof`) or the code, never on the message. Bad input from the network is never an
 * error: it is a counted drop (spec 6).
 * @module
 */

/** Base class of every error the SDK throws on purpose. */
export class SaltwireError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** An argument is of the wrong type, length or range. The message names the argument. */
export class InvalidArgumentError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_INVALID_ARGUMENT', message, options);
  }
}

/** A node id does not match `[A-Za-z0-9_-]{1,32}` (spec 3.2). */
export class InvalidNodeIdError extends SaltwireError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_INVALID_NODE_ID', `invalid node id ${JSON.stringify(id)}: expected 1 to 32 characters from A-Z a-z 0-9 _ -`);
    this.id = id;
  }
}

/** A key is not 32 bytes, or a generation is outside 0..255. */
export class InvalidKeyError extends SaltwireError {
  constructor(message: string) {
    super('ERR_INVALID_KEY', message);
  }
}

/**
 * The traffic key's counter is used up (spec 5.1). The caller must start a new epoch
 * (spec 5.2-3) before sending again; nothing was sent.
 */
export class CounterExhaustedError extends SaltwireError {
  constructor() {
    super('ERR_COUNTER_EXHAUSTED', 'counter limit reached: a new epoch must be started before sending');
  }
}

/**
 * The epoch could not be persisted, or the last epoch is used up (spec 5.2-2). The node must not
 * send: doing so could reuse a nonce.
 */
export class EpochPersistError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_EPOCH_PERSIST', message, options);
  }
}

/** A transport failed locally: the socket is closed, or the OS refused the send or bind. */
export class TransportError extends SaltwireError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TRANSPORT', message, options);
  }
}

/** The peer is known to be unreachable (spec 11): the operation failed at once instead of waiting. */
export class PeerUnreachableError extends SaltwireError {
  readonly peer: string;
  constructor(peer: string) {
    super('ERR_PEER_UNREACHABLE', `peer ${JSON.stringify(peer)} is unreachable`);
    this.peer = peer;
  }
}

/** The peer is not in the peer table and no address for it is known, so nothing can be sent. */
export class UnknownPeerError extends SaltwireError {
  readonly peer: string;
  constructor(peer: string) {
    super('ERR_UNKNOWN_PEER', `no address known for peer ${JSON.stringify(peer)}`);
    this.peer = peer;
  }
}

/** The node was closed; nothing more can be sent or received. */
export class NodeClosedError extends SaltwireError {
  constructor() {
    super('ERR_NODE_CLOSED', 'the node is closed');
  }
}
