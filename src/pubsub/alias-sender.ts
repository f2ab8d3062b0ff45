/**
 * The sending half of topic aliases towards one peer [SW-15.7-1], on top of OutgoingAliases: it
 * defines a new alias with an ALIAS operation on CONTROL_CHANNEL and confirms it only when the peer
 * acknowledged that operation; until then publications carry TOPIC with the ALIAS.
 *
 * Why QoS 1 and 2 publications never use an alias: a reliable PUBLISH that waits in the outbox when
 * the receiver restarts is sent again to the new receiver ([SW-14.7-4]), which has forgotten every
 * alias ([SW-15.7-1]) and would drop an alias-only PUBLISH ([SW-15.7-2]): the message would be lost.
 * So reliable publications always carry their TOPIC; aliases serve the steady-state QoS 0 traffic,
 * where a loss across a restart is allowed (at most once).
 * @module
 */
import type { MessagePort } from '../messaging/port.js';
import type { QoS } from '../messaging/ops.js';
import { OutgoingAliases } from './alias-table.js';

export interface TopicFields {
  readonly alias?: number;
  readonly topic?: string;
}

export class AliasSender {
  private readonly aliases: OutgoingAliases;
  /** Bumped by reset(): an acknowledgement of an ALIAS of an earlier generation confirms nothing. */
  private generation = 0;
  /** ALIAS operations whose sending failed (deadline, outbox full): the alias stays unconfirmed. */
  failures = 0;
  /** The most aliases the peer declared it keeps (its SYNC, [SW-15.5-8]); none above is defined or used [SW-15.7-3]. */
  private cap = Infinity;

  constructor(private readonly port: MessagePort, private readonly peer: string, maxAliases: number | undefined) {
    this.aliases = new OutgoingAliases({ ...(maxAliases !== undefined && { maxAliases }) });
  }

  /** How a PUBLISH of `qos` to `topic` names its topic (see the module comment). */
  fields(topic: string, qos: QoS): TopicFields {
    if (qos !== 0) return { topic };
    const a = this.aliases.aliasFor(topic);
    if (a === undefined || a.alias > this.cap) return { topic }; // above what the peer keeps [SW-15.7-3]
    if (a.isNew) this.define(a.alias, topic);
    return a.sendTopic ? { alias: a.alias, topic } : { alias: a.alias };
  }

  /**
   * The peer declared that it keeps `maxAliases` aliases [SW-15.5-8]: from now on no alias above it
   * is defined or published by; topics whose alias is above it go by TOPIC [SW-15.7-3].
   */
  limit(maxAliases: number): void {
    this.cap = maxAliases;
  }

  /** Either side restarted: every alias is forgotten and will be defined again [SW-15.7-1]. */
  reset(): void {
    this.generation++;
    this.aliases.reset();
  }

  private define(alias: number, topic: string): void {
    const gen = this.generation;
    let sent: Promise<void>;
    try {
      sent = this.port.send(this.peer, { op: 'ALIAS', alias, topic }, { qos: 1 });
    } catch {
      this.failures++;
      return;
    }
    sent.then(
      () => void (gen === this.generation && this.aliases.confirm(alias)),
      () => void this.failures++,
    );
  }
}

/** PUB_IDs of one publisher: EPOCH × 2^32 + N, N counting from 1 in each epoch [SW-15.6-1]. */
export class PubIdCounter {
  private epoch = -1;
  private n = 0;
  next(epoch: number): bigint {
    if (epoch !== this.epoch) {
      this.epoch = epoch;
      this.n = 0;
    }
    this.n++;
    return (BigInt(epoch) << 32n) + BigInt(this.n);
  }
}
