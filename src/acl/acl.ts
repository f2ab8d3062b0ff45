/**
 * AccessControl: decides, per authenticated device id, whether it may publish to a topic, subscribe
 * to a filter, call a method or serve one (spec 17). Pure: no I/O, no clock; the node consults it
 * for every operation and answers a denial with a 'rejected' outcome (spec 17.8).
 * @module
 */
import { assertNodeId } from '../wire/node-id.js';
import { isValidTopicFilter, isValidTopicName, matchLevels, topicLevels } from '../pubsub/topic.js';
import {
  expandPattern,
  methodMatches,
  parseAclConfig,
  type AclOperation,
  type CompiledPattern,
  type ParsedAcl,
} from './acl-config.js';
import { filterCovers, filtersOverlap } from './filter-cover.js';

/**
 * Why a decision came out as it did, for logs and diagnostics.
 * @group Access control
 */
export type AclReason =
  /** No rules are configured: the open setup of [SW-17.2-1]. */
  | 'open'
  /** An allow pattern of rule `rule` grants it. */
  | 'allowed'
  /** The device is revoked [SW-17.7-1]. */
  | 'revoked'
  /** The topic, filter or method name is not valid, so nothing could grant it. */
  | 'invalid'
  /** A deny pattern of rule `rule` matches (publish, call, serve) or overlaps (subscribe) it. */
  | 'denied'
  /** Rules exist and none grants it: default deny [SW-17.2-3]. */
  | 'no-rule';

/** @group Access control */
export interface AclDecision {
  readonly allowed: boolean;
  readonly reason: AclReason;
  /** Index in the configuration's `rules` of the rule that decided, for 'allowed' and 'denied'. */
  readonly rule?: number;
}

const OPEN: AclDecision = { allowed: true, reason: 'open' };
const REVOKED: AclDecision = { allowed: false, reason: 'revoked' };
const INVALID: AclDecision = { allowed: false, reason: 'invalid' };
const NO_RULE: AclDecision = { allowed: false, reason: 'no-rule' };

/**
 * The access policy of one node. Device ids must be valid node ids (spec 3.2): the methods throw
 * InvalidNodeIdError otherwise, since ids come from authenticated datagrams and an invalid one is a
 * caller's bug. Invalid topics, filters and method names are not errors: they come from the network,
 * and are simply not allowed (reason 'invalid').
 *
 * Why ids are restricted: `{id}` is substituted into topic patterns. Mosquitto's CVE-2017-7650 let a
 * client whose id contained '+' or '#' widen a pattern such as `devices/%c/#` to other devices'
 * topics; an id from [A-Za-z0-9_-] cannot carry '/', '+', '#' or '$' [SW-17.3-2].
 *
 * @example
 * ```ts
 * import { AccessControl } from 'saltwire';
 *
 * const acl = AccessControl.fromConfig({ rules: [
 *   { devices: ['*'], publish: ['sensors/{id}/#'], subscribe: ['cmd/{id}/#'], call: ['*'] },
 *   { devices: ['console'], subscribe: ['#'], publish: ['cmd/#'] },
 * ] });
 * acl.canPublish('sensor-1', 'sensors/sensor-1/temp'); // true
 * ```
 * @group Access control
 */
export class AccessControl {
  private constructor(private readonly acl: ParsedAcl) {}

  /**
   * Builds a policy from a configuration (spec 17.9; see AclConfigJson): the parsed JSON value or
   * JSON text. Throws InvalidArgumentError naming the offending path.
   */
  static fromConfig(json: unknown): AccessControl {
    return new AccessControl(parseAclConfig(json));
  }

  /** A policy with no rules and no revocations: everything is allowed. For development only. */
  static open(): AccessControl {
    return new AccessControl({ revoked: new Set(), rules: [] });
  }

  /** True if no rules are configured, so every operation of a non-revoked device is allowed [SW-17.2-1]. */
  get isOpen(): boolean {
    return this.acl.rules.length === 0;
  }

  /** True if `id` is on the revoked list [SW-17.7-1]. */
  revoked(id: string): boolean {
    assertNodeId(id);
    return this.acl.revoked.has(id);
  }

  /** May device `id` publish to topic name `topic`? (spec 17.4) */
  canPublish(id: string, topic: string): boolean {
    return this.decide('publish', id, topic).allowed;
  }

  /** May device `id` subscribe to topic filter `filter`? (spec 17.5) */
  canSubscribe(id: string, filter: string): boolean {
    return this.decide('subscribe', id, filter).allowed;
  }

  /** May device `id` call method `method`? (spec 17.6) */
  canCall(id: string, method: string): boolean {
    return this.decide('call', id, method).allowed;
  }

  /** May device `id` serve method `method`, i.e. receive calls of it? (spec 17.6) */
  canServe(id: string, method: string): boolean {
    return this.decide('serve', id, method).allowed;
  }

  /**
   * The decision with its reason. Order [SW-17.2-4]: revoked, invalid subject, open, any matching
   * deny pattern of any applicable rule, any granting allow pattern, otherwise default deny.
   */
  decide(op: AclOperation, id: string, subject: string): AclDecision {
    assertNodeId(id);
    if (this.acl.revoked.has(id)) return REVOKED;
    const valid =
      op === 'publish' ? isValidTopicName(subject) : op === 'subscribe' ? isValidTopicFilter(subject) : isMethodName(subject);
    if (!valid) return INVALID;
    if (this.acl.rules.length === 0) return OPEN;
    const applicable = this.acl.rules.filter((r) => r.devices === undefined || r.devices.has(id));
    const test = tester(op, subject);
    for (const rule of applicable) {
      if (rule.deny[op].some((p) => test.denies(expandPattern(p, id)))) return { allowed: false, reason: 'denied', rule: rule.index };
    }
    for (const rule of applicable) {
      if (rule.allow[op].some((p: CompiledPattern) => test.allows(expandPattern(p, id)))) {
        return { allowed: true, reason: 'allowed', rule: rule.index };
      }
    }
    return NO_RULE;
  }
}

/** With the u flag a paired surrogate is one code point, so this finds only lone ones. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A method name is any non-empty string without lone surrogates; section 16 may narrow it. */
function isMethodName(s: unknown): s is string {
  return typeof s === 'string' && s.length > 0 && !LONE_SURROGATE.test(s);
}

interface Tester {
  allows(pattern: string): boolean;
  denies(pattern: string): boolean;
}

/** How an expanded pattern relates to the subject, per operation. */
function tester(op: AclOperation, subject: string): Tester {
  switch (op) {
    case 'publish': {
      const levels = topicLevels(subject);
      return {
        // With the '$' rule: a '$' topic is granted only by a pattern whose first level is that
        // literal, so one starting with '$' [SW-17.4-2].
        allows: (p) => matchLevels(topicLevels(p), levels, true),
        // Without it: a deny '#' also denies '$' topics [SW-17.2-4].
        denies: (p) => matchLevels(topicLevels(p), levels, false),
      };
    }
    case 'subscribe':
      return {
        allows: (p) => filterCovers(p, subject),
        denies: (p) => filtersOverlap(subject, p),
      };
    case 'call':
    case 'serve':
      return { allows: (p) => methodMatches(p, subject), denies: (p) => methodMatches(p, subject) };
  }
}

