/**
 * The hub's log (`saltwire hub`, stderr): what an operator needs to see of the devices, one line
 * per event, as text (`TIME EVENT PEER key=value...`) or JSON lines (--log-format json):
 *
 *   first-contact  a device heard for the first time by this process (and its address)
 *   reachable      heard again after being unreachable          unreachable  gone silent (spec 11)
 *   restart        it restarted (a new epoch, spec 12.2)        address      it moved (spec 10)
 *   conflict       two processes under one id (spec 12.4)
 *   denied         access control refused a publication, subscription, call or service (spec 17);
 *                  at most one line per device, operation and subject per DENIED_INTERVAL_MS, with
 *                  the count of those not logged in between
 *
 * It also keeps the ids it has seen, for `saltwire status` (the node has no list of its own).
 * @module
 */
import { AccessControl } from '../acl/acl.js';
import type { SaltwireNode } from '../peer/node.js';
import { addressKey } from '../transport/transport.js';

export type LogFormat = 'text' | 'json';

/** One log line's fields besides the time and the event. */
type Fields = Record<string, string | number | boolean | undefined>;

export const DENIED_INTERVAL_MS = 10_000;

export class HubLog {
  /** Every peer id this process has heard from, in the order first heard. */
  readonly seen = new Set<string>();
  private readonly denied = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly format: LogFormat,
    private readonly write: (line: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Logs the node's peer events (and, in JSON, its conflicts: text conflicts have their own line). */
  attach(node: SaltwireNode): void {
    const where = (peer: string): string | undefined => {
      const a = node.peer(peer)?.address;
      return a === undefined ? undefined : addressKey(a);
    };
    node.on('reachable', (e) => {
      const first = !this.seen.has(e.peer);
      this.seen.add(e.peer);
      this.line(first ? 'first-contact' : 'reachable', e.peer, { address: where(e.peer) });
    });
    node.on('unreachable', (e) => this.line('unreachable', e.peer, {}));
    node.on('restart', (e) => (this.seen.add(e.peer), this.line('restart', e.peer, { epoch: e.epoch, address: where(e.peer) })));
    node.on('address', (e) => this.line('address', e.peer, { address: addressKey(e.address), validated: e.validated }));
    if (this.format === 'json') {
      node.on('conflict', (e) => this.line('conflict', e.peer, { kind: e.kind, epoch: e.epoch, floor: e.floor, from: e.from === undefined ? undefined : addressKey(e.from) }));
    }
  }

  /**
   * The same policy, logging each refusal (the engines ask it through the can* methods). A Proxy,
   * so it is still an AccessControl to everything that checks.
   */
  watch(acl: AccessControl): AccessControl {
    const ops = { canPublish: 'publish', canSubscribe: 'subscribe', canCall: 'call', canServe: 'serve' } as const;
    return new Proxy(acl, {
      get: (target, prop, receiver) => {
        const v: unknown = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || !Object.hasOwn(ops, prop)) return v;
        const op = ops[prop as keyof typeof ops];
        return (id: string, subject: string): boolean => {
          const ok = (v as (id: string, subject: string) => boolean).call(receiver, id, subject);
          if (!ok) this.deny(op, id, subject);
          return ok;
        };
      },
    });
  }

  private deny(op: string, id: string, subject: string): void {
    const key = `${op}\0${id}\0${subject}`;
    const now = this.now();
    const d = this.denied.get(key);
    if (d !== undefined && now - d.at < DENIED_INTERVAL_MS) {
      d.suppressed++;
      return;
    }
    this.line('denied', id, { operation: op, subject, ...(d !== undefined && d.suppressed > 0 && { since: d.suppressed }) });
    this.denied.set(key, { at: now, suppressed: 0 });
    if (this.denied.size > 10_000) this.denied.delete(this.denied.keys().next().value!);
  }

  private line(event: string, peer: string, fields: Fields): void {
    const time = new Date(this.now()).toISOString();
    const defined = Object.entries(fields).filter(([, v]) => v !== undefined);
    if (this.format === 'json') this.write(JSON.stringify({ time, event, peer, ...Object.fromEntries(defined) }));
    else this.write([time, event, peer, ...defined.map(([k, v]) => `${k}=${typeof v === 'string' && /[\s"]/.test(v) ? JSON.stringify(v) : String(v)}`)].join(' '));
  }
}
