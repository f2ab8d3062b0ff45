/**
 * The API a newcomer finds (issue 18): the main entry (`saltwire`) exports what an application
 * uses and no wire or protocol internals; `saltwire/internals` has everything (a superset); each
 * main entry point has an @example in its doc comment (what typedoc shows); the API index is grouped
 * for a newcomer, "Start here" first (each export's @group, typedoc.json's groupOrder).
 */
import { readFileSync } from 'node:fs';
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
    const internal = names.filter((n) => /^(FRAME_|OP_|CONGESTION|encode(?!Bridged)|decode(?!Bridged)|parse(Header|Handshake)|seal|open|Rtt|ChaosProxy|Receiver|ReplayWindow|PeerSender|RpcEngine|PubSub|TopicTree|DedupeWindow|FaultModel|hkdf|hmac)/.test(n));
    expect(internal).toEqual([]);
    expect(names.length).toBeLessThan(120); // it was 484 names in one flat list
    for (const n of names) expect(Object.keys(internals), `${n} missing from saltwire/internals`).toContain(n);
  });

  it('every main entry point has an @example', () => {
    const { exported, tagsOf } = entry('src/index.ts');
    for (const name of ENTRY_POINTS) {
      expect(exported.get(name), name).toBeDefined();
      expect(tagsOf(name).map((t) => t.name), `${name} has no @example`).toContain('example');
    }
  });

  it('the API index is grouped for a newcomer: "Start here" first, then pub/sub, RPC, access control, errors, events (typedoc groups)', () => {
    const config = JSON.parse(readFileSync(join(ROOT, 'typedoc.json'), 'utf8')) as { groupOrder: string[] };
    expect(config.groupOrder.slice(0, 6)).toEqual(['Start here', 'Pub/sub', 'RPC', 'Access control', 'Errors', 'Events']);
    const groups = new Map<string, string[]>();
    for (const path of ['src/index.ts', 'src/bridge/index.ts']) {
      const { exported, tagsOf } = entry(path);
      for (const name of exported.keys()) {
        const group = tagsOf(name).filter((t) => t.name === 'group').map((t) => ts.displayPartsToString(t.text).trim());
        if (path !== 'src/index.ts' && group.length === 0) continue; // the bridge: by kind, after the named groups
        expect(group, `${name} (${path}) has no @group, or more than one`).toHaveLength(1);
        expect(config.groupOrder, `the group of ${name}`).toContain(group[0]);
        groups.set(group[0]!, [...(groups.get(group[0]!) ?? []), name]);
      }
    }
    expect(groups.get('Start here')!.sort()).toEqual(['Client', 'Hub', 'StartClientOptions', 'StartHubOptions', 'deriveDeviceKey', 'generateKey', 'startClient', 'startHub']);
    for (const g of ['Pub/sub', 'RPC', 'Access control', 'Errors', 'Events', 'Bridge']) expect(groups.get(g)?.length, g).toBeGreaterThan(0);
    expect(groups.get('Errors')).toEqual(expect.arrayContaining(['SaltwireError', 'HubUnreachableError', 'RpcTimeoutError']));
    expect(groups.get('Bridge')).toEqual(expect.arrayContaining(['RpcBridge', 'bridgeOptionsFromConfig']));
    // the main entry holds its symbols itself: without @primaryExport typedoc lists some (the RPC
    // errors, QoS) as mere "References" there, under no group, because saltwire/internals has them too
    expect(readFileSync(join(ROOT, 'src/index.ts'), 'utf8')).toMatch(/^ \* @primaryExport$/m);
  });
});

const ROOT = join(import.meta.dirname, '../..');

let program: ts.Program | undefined;

/** The exports of an entry file, and the JSDoc tags of what each one names (one program for both entries: it takes seconds). */
function entry(path: string): { exported: Map<string, ts.Symbol>; tagsOf(name: string): ts.JSDocTagInfo[] } {
  const file = join(ROOT, path);
  program ??= ts.createProgram(['src/index.ts', 'src/bridge/index.ts'].map((f) => join(ROOT, f)), { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const mod = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const exported = new Map(checker.getExportsOfModule(mod).map((s) => [s.name, s]));
  return {
    exported,
    tagsOf(name) {
      const sym = exported.get(name)!;
      const target = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
      return target.getJsDocTags(checker);
    },
  };
}
