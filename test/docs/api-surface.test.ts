/**
 * The API a newcomer finds (issue 18): the main entry (`saltwire`) exports what an application
 * uses and no wire or protocol internals; `saltwire/internals` has everything (a superset); each
 * main entry point has an @example in its doc comment (what typedoc shows).
 */
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as internals from '../../src/internals.js';
import * as main from '../../src/index.js';

const ENTRY_POINTS = ['startClient', 'startHub', 'startNode', 'Client', 'Hub', 'SaltwireNode', 'AccessControl', 'deriveDeviceKey', 'generateKey', 'SiteKeyring', 'PairKeyring', 'defaultCryptoSuite'];

describe('the main entry', () => {
  it('exports what an application uses, and no wire or protocol internals', () => {
    const names = Object.keys(main);
    for (const n of [...ENTRY_POINTS, 'HubUnreachableError', 'RpcTimeoutError', 'InvalidTopicError', 'MemoryNetwork', 'UdpTransport', 'toHex']) expect(names, n).toContain(n);
    const internal = names.filter((n) => /^(FRAME_|OP_|CONGESTION|encode|decode|parse(Header|Handshake)|seal|open|Rtt|ChaosProxy|Receiver|ReplayWindow|PeerSender|RpcEngine|PubSub|TopicTree|DedupeWindow|FaultModel|hkdf|hmac)/.test(n));
    expect(internal).toEqual([]);
    expect(names.length).toBeLessThan(120); // it was 484 names in one flat list
    for (const n of names) expect(Object.keys(internals), `${n} missing from saltwire/internals`).toContain(n);
  });

  it('every main entry point has an @example', () => {
    const file = join(import.meta.dirname, '../../src/index.ts');
    const program = ts.createProgram([file], { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const mod = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
    const exported = new Map(checker.getExportsOfModule(mod).map((s) => [s.name, s]));
    for (const name of ENTRY_POINTS) {
      const sym = exported.get(name);
      expect(sym, name).toBeDefined();
      const target = sym!.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym!) : sym!;
      const tags = target.getJsDocTags(checker).map((t) => t.name);
      expect(tags, `${name} has no @example`).toContain('example');
    }
  });
});
