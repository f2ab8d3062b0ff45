/**
 * Shared pieces of the vector generator: the seeded byte source, the Wycheproof-shaped file
 * builder, and the notes (flags) vocabulary. Everything is deterministic: same seed, same bytes.
 */
import { tweetnaclSuite, toHex } from '../../src/core.js';

/** Bump when the bytes of any vector change (spec README, "Versioning"). */
export const GENERATOR_VERSION = '2.0.0';
export const SPEC_VERSION = '1';

export const suite = tweetnaclSuite;

/** Deterministic bytes: SHA-512(seed label || block counter), concatenated. */
export class Seeded {
  private buf = new Uint8Array(0);
  private block = 0;
  constructor(private readonly label: string) {}
  bytes(n: number): Uint8Array {
    while (this.buf.length < n) {
      const input = new TextEncoder().encode(`saltwire vectors/${this.label}/${this.block++}`);
      const next = new Uint8Array(this.buf.length + 64);
      next.set(this.buf);
      next.set(suite.sha512(input), this.buf.length);
      this.buf = next;
    }
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }
  u32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }
  int(maxExclusive: number): number {
    return this.u32() % maxExclusive;
  }
}

export interface Note {
  bugType: string;
  description: string;
}

export interface TestBase {
  comment: string;
  flags: string[];
  specRefs: string[];
  result: 'valid' | 'invalid';
  [k: string]: unknown;
}

interface Group {
  type: string;
  [k: string]: unknown;
  tests: Array<TestBase & { tcId: number }>;
}

/** Builds one vector file; tcIds are assigned in insertion order, continuous from 1. */
export class VectorFile {
  private readonly groups: Group[] = [];
  private next = 1;
  constructor(
    readonly name: string,
    private readonly algorithm: string,
    private readonly schema: string,
    private readonly header: string[],
    private readonly notes: Record<string, Note>,
  ) {}

  group(type: string, fields: Record<string, unknown>): (t: TestBase) => void {
    const g: Group = { type, ...fields, tests: [] };
    this.groups.push(g);
    return (t) => {
      for (const f of t.flags) if (!(f in this.notes)) throw new Error(`${this.name}: flag ${f} has no note`);
      g.tests.push({ tcId: this.next++, ...t });
    };
  }

  toJSON(): unknown {
    return {
      algorithm: this.algorithm,
      schema: this.schema,
      generatorVersion: GENERATOR_VERSION,
      specVersion: SPEC_VERSION,
      numberOfTests: this.next - 1,
      header: this.header,
      notes: this.notes,
      testGroups: this.groups,
    };
  }
}

/**
 * The BOOT value ([SW-5.2-6]) of one start of a sender in the vectors: 8 bytes, deterministic per
 * label (for example `open/sensor-1/7`), so that a context's BOOT and the datagrams of that start
 * agree whatever order the generator builds them in. A real node draws it at random at every start.
 */
export function bootFor(label: string): Uint8Array {
  return new Seeded(`boot/${label}`).bytes(8);
}

export const hex = toHex;
export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
