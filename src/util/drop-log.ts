/**
 * A rate-limited debug log of drops [SW-6.2-1]: a misconfigured device (wrong key, retired
 * generation, unknown id) is silent on the wire, so the operator must see it here. At most one line
 * per (reason, sender) per interval, with the count of what was suppressed, so a flood of junk
 * cannot flood the log. Runtime-agnostic: time and output are passed in.
 * @module
 */
import type { DropInfo } from '../session/drop-counters.js';
import type { Address } from '../transport/transport.js';

export class DropLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly write: (line: string) => void,
    private readonly intervalMs = 10_000,
    private readonly maxKeys = 1024,
  ) {}

  /** Logs `info` unless the same (reason, sender) was logged less than `intervalMs` ago. */
  add(info: DropInfo & { readonly from?: Address }, now: number): void {
    const who = info.senderId ?? (info.from === undefined ? '?' : `${info.from.host}:${info.from.port}`);
    const key = `${info.reason} ${who}`;
    const prev = this.last.get(key);
    if (prev !== undefined && now - prev.at < this.intervalMs) {
      prev.suppressed++;
      return;
    }
    if (prev === undefined && this.last.size >= this.maxKeys) this.last.delete(this.last.keys().next().value!);
    const more = prev !== undefined && prev.suppressed > 0 ? ` (+${prev.suppressed} more since the last line)` : '';
    const gen = info.gen === undefined ? '' : ` gen ${info.gen}`;
    const from = info.from === undefined ? '' : ` from ${info.from.host}:${info.from.port}`;
    this.write(`saltwire: dropped ${info.reason}${info.senderId === undefined ? '' : ` sender ${info.senderId}`}${gen}${from}${more}`);
    this.last.set(key, { at: now, suppressed: 0 });
  }
}
