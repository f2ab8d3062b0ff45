/**
 * Property mode of the kit: fast-check generates operations, the adapter under test and the SDK
 * (in process, adapters/sdk.ts `handle`) answer each, and any disagreement is shrunk by fast-check to
 * a minimal case and written out as a vector file of the usual shape (one test, its expectations the
 * SDK's), which the implementer can keep and run with `conformance vectors --vectors DIR`.
 * Differential testing: the SDK is the reference; the vectors and the independent checker are what
 * make it one.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { tweetnaclSuite } from '../../src/core.js';
import { handle } from './adapters/sdk.js';
import { jsonEqual, type Json } from './protocol.js';
import { AdapterSession } from './session.js';

type Obj = { [k: string]: Json };
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

interface Property {
  /** The operation asked. */
  op: string;
  arb: fc.Arbitrary<Obj>;
  /** The minimal counterexample as a vector file (the SDK's answer is the expectation). */
  vector(req: Obj, reference: Obj): Obj;
}

const file = (algorithm: string, schema: string, type: string, group: Obj, test: Obj): Obj => ({
  algorithm: `counterexample: ${algorithm}`,
  schema,
  generatorVersion: 'kit-property',
  specVersion: '1',
  numberOfTests: 1,
  header: ['Found by saltwire conformance property: the adapter under test and the SDK disagreed here (shrunk by fast-check).'],
  notes: {},
  testGroups: [{ type, ...group, tests: [{ tcId: 1, comment: 'counterexample found by property mode', flags: [], ...test }] }],
});

export const PROPERTIES: Property[] = [
  {
    op: 'window.run',
    // counters near each other, so that duplicates, reordering and the window's edge come up
    arb: fc.record({
      windowSize: fc.constantFrom(64, 128),
      steps: fc.array(fc.record({ counter: fc.nat(200), authentic: fc.boolean() }), { minLength: 1, maxLength: 24 }),
    }) as unknown as fc.Arbitrary<Obj>,
    vector: (req, ref) =>
      file('replay window', 'saltwire_replay_schema_v1', 'WindowScenario', { windowSize: req.windowSize! }, {
        specRefs: ['SW-5.4-1', 'SW-5.4-2', 'SW-5.4-3'],
        steps: (req.steps as Obj[]).map((s, i) => ({ ...s, expect: (ref.verdicts as Json[])[i]! })),
        result: 'valid',
      }),
  },
  {
    op: 'op.decode',
    arb: fc.uint8Array({ maxLength: 24 }).map((b) => ({ encoded: hex(b) })),
    vector: (req, ref) =>
      file('message-layer operation', 'saltwire_message_ops_schema_v1', 'OpCodecTest', {}, {
        specRefs: ['SW-15.3-6'],
        encoded: req.encoded!,
        ...(ref.operation !== undefined ? { operation: ref.operation, result: 'valid' } : { result: 'invalid' }),
      }),
  },
  {
    op: 'frames.decode',
    arb: fc.uint8Array({ maxLength: 24 }).map((b) => ({ plaintext: hex(b) })),
    vector: (req, ref) =>
      file('reliability frames', 'saltwire_reliability_schema_v1', 'RelFrameTest', {}, {
        specRefs: ['SW-14.2-6'],
        plaintext: req.plaintext!,
        ...(ref.frames !== undefined ? { frames: ref.frames, result: 'valid' } : { result: 'invalid' }),
      }),
  },
];

export interface PropertyResult {
  op: string;
  status: 'pass' | 'fail' | 'unsupported';
  runs: number;
  /** For a failure: the shrunk request, both answers, and the vector file written. */
  request?: Obj;
  got?: Json;
  reference?: Obj;
  file?: string;
}

const strip = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([k]) => k !== 'id' && !k.startsWith('x-')));

export async function runProperties(adapter: string, opts: { runs?: number; seed?: number; outDir?: string; ops?: string[] } = {}): Promise<PropertyResult[]> {
  const session = new AdapterSession(adapter);
  const out: PropertyResult[] = [];
  try {
    for (const p of PROPERTIES.filter((x) => opts.ops === undefined || opts.ops.includes(x.op))) {
      let unsupported = false;
      let last: { req: Obj; got: Json; ref: Obj } | undefined;
      const check = await fc.check(
        fc.asyncProperty(p.arb, async (input) => {
          const req = { op: p.op, ...input };
          const ref = handle(tweetnaclSuite, { id: 0, ...req } as never) as Obj;
          const r = await session.ask(req);
          if (r.kind === 'unsupported') {
            unsupported = true;
            return true;
          }
          const got: Json = r.kind === 'reply' ? strip(r.value) : `error: ${r.message}`;
          if (jsonEqual(got, ref)) return true;
          last = { req: input, got, ref };
          return false;
        }),
        { numRuns: opts.runs ?? 200, ...(opts.seed !== undefined ? { seed: opts.seed } : {}) },
      );
      if (unsupported && !check.failed) {
        out.push({ op: p.op, status: 'unsupported', runs: check.numRuns });
        continue;
      }
      if (!check.failed || last === undefined) {
        out.push({ op: p.op, status: 'pass', runs: check.numRuns });
        continue;
      }
      // fast-check's last failing call is the shrunk counterexample
      const minimal = (check.counterexample?.[0] as Obj | undefined) ?? last.req;
      const ref = handle(tweetnaclSuite, { id: 0, op: p.op, ...minimal } as never) as Obj;
      const res: PropertyResult = { op: p.op, status: 'fail', runs: check.numRuns, request: minimal, got: last.got, reference: ref };
      if (opts.outDir !== undefined) {
        mkdirSync(opts.outDir, { recursive: true });
        res.file = join(opts.outDir, `counterexample_${p.op.replace(/\W/g, '_')}.json`);
        writeFileSync(res.file, `${JSON.stringify(p.vector(minimal, ref), null, 1)}\n`);
      }
      out.push(res);
    }
  } finally {
    await session.close();
  }
  return out;
}
