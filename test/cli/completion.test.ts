/** `saltwire completion` (issue 18): a bash script generated from the commands' flag specs, that completes. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { completionScript } from '../../src/cli/commands/completion.js';
import { COMMANDS } from '../../src/cli/main.js';

function complete(script: string, words: string[]): string[] {
  const program = `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _saltwire; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' }).split('\n').filter((l) => l !== '');
}

describe('shell completion', () => {
  it('completes commands, then each command\'s own flags', async () => {
    const script = await completionScript('bash');
    expect(complete(script, ['saltwire', 'co']).sort()).toEqual(['completion', 'conformance']);
    expect(complete(script, ['saltwire', 'comp'])).toEqual(['completion']);
    expect(complete(script, ['saltwire', ''])).toEqual(expect.arrayContaining(Object.keys(COMMANDS)));
    expect(complete(script, ['saltwire', 'pub', '--st']).sort()).toEqual(['--state', '--stdin', '--stdin-lines']);
    expect(complete(script, ['saltwire', 'sub', '--he']).sort()).toEqual(['--help', '--hex']);
    expect(complete(script, ['saltwire', 'completion', '--shell', 'z'])).toEqual(['zsh']);
    for (const name of Object.keys(COMMANDS)) {
      const cmd = await COMMANDS[name]!();
      expect(complete(script, ['saltwire', name, '--']).sort()).toEqual([...Object.keys(cmd.spec.flags), '--help'].sort());
    }
  });

  it('zsh: the same, through bashcompinit', async () => {
    expect(await completionScript('zsh')).toMatch(/^# saltwire completion.*\nautoload -U \+X bashcompinit && bashcompinit\n_saltwire\(\)/);
  });
});
