// Evaluator for OpCodecTest (message_ops.json): spec 15.3, 16.1, 16.2.
// A valid test must decode (messageops.ts readOperation) to exactly `operation`, and writing
// `operation` back must give `encoded`; an invalid test must be dropped ([SW-15.3-6]) and carry no
// `operation`.
import { canonical, hex, Report, type Evaluator } from './evalcommon.js';
import { readOperation, writeOperation } from './messageops.js';

export const evalOpCodec: Evaluator = (_g, t) => {
  const r = new Report();
  const got = readOperation(hex(t, 'encoded'));
  if (t.result === 'valid') {
    if (!got) r.fail('the vector is valid but this checker drops the operation');
    else r.eq('operation', got, t.operation);
    if (!t.operation || typeof t.operation !== 'object') r.fail('a valid test has no operation');
    else {
      try {
        r.hex('re-encoded operation', writeOperation(t.operation), t.encoded);
      } catch (e) {
        r.fail(`operation cannot be written: ${(e as Error).message}`);
      }
    }
  } else {
    if (got) r.fail(`the vector is invalid but this checker decodes ${canonical(got).slice(0, 200)}`);
    if ('operation' in t) r.fail('an invalid test has an operation');
  }
  return r.failures;
};
