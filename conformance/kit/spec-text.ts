/**
 * The requirement ids of spec/ with their text and level, read from the Markdown: a definition is
 * `[SW-x.y-n] ` followed by the sentence (spec/README.md), the same rule test/conformance/spec-ids.test.ts
 * applies. The text runs to the end of its paragraph (a blank line, a heading or the next definition).
 * The level is the strongest keyword of RFC 2119 in the text (MUST/MUST NOT/REQUIRED/SHALL first).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type Level = 'MUST' | 'SHOULD' | 'MAY' | 'NONE';

export interface Requirement {
  readonly id: string;
  readonly text: string;
  readonly level: Level;
  /** spec/<file>.md:<line> */
  readonly at: string;
  readonly retired: boolean;
}

const DEFINITION = /\[(SW-\d+\.\d+-\d+)\] (?![a-z),.;:|\s]|\((?!retired))/g;
const RETIRED = /\[(SW-\d+\.\d+-\d+)\] \(retired/g;

export function levelOf(text: string): Level {
  if (/\b(MUST|SHALL|REQUIRED)\b/.test(text)) return 'MUST';
  if (/\b(SHOULD|RECOMMENDED)\b/.test(text)) return 'SHOULD';
  if (/\b(MAY|OPTIONAL)\b/.test(text)) return 'MAY';
  return 'NONE';
}

/** Every id defined in `specDir` (default spec/ of this repository), in file order. */
export function readRequirements(specDir: string = join(import.meta.dirname, '..', '..', 'spec')): Map<string, Requirement> {
  const out = new Map<string, Requirement>();
  for (const name of readdirSync(specDir).filter((f) => /^\d\d-.*\.md$/.test(f)).sort()) {
    const lines = readFileSync(join(specDir, name), 'utf8').split('\n');
    lines.forEach((line, i) => {
      for (const m of line.matchAll(RETIRED)) out.set(m[1]!, { id: m[1]!, text: '(retired)', level: 'NONE', at: `spec/${name}:${i + 1}`, retired: true });
      for (const m of line.matchAll(DEFINITION)) {
        if (line.startsWith('(retired', m.index! + m[0].length)) continue;
        let text = line.slice(m.index! + m[0].length);
        // A sentence that ends with ':' goes on in the list under it (5.4-1: "in this order:").
        let inList = false;
        for (let k = i + 1; k < lines.length; k++) {
          const next = lines[k]!;
          if (/^\[SW-/.test(next.trim()) || next.startsWith('#')) break;
          if (next.trim() === '') {
            if (text.trimEnd().endsWith(':') && !inList) continue;
            break;
          }
          if (/^\s*(-|\d+\.|\|)\s/.test(next)) {
            if (!text.trimEnd().endsWith(':') && !inList) break;
            inList = true;
          }
          text += ` ${next.trim()}`;
        }
        // Stop at the next definition on the same paragraph.
        const cut = text.search(/\[SW-\d+\.\d+-\d+\] (?![a-z),.;:|\s]|\((?!retired))/);
        if (cut > 0) text = text.slice(0, cut);
        text = text.trim();
        out.set(m[1]!, { id: m[1]!, text, level: levelOf(text), at: `spec/${name}:${i + 1}`, retired: false });
      }
    });
  }
  return out;
}
