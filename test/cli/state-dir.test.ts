// The CLI's default state directories (state-dir.ts) and the client flags that pick them and the
// connect timeout (endpoint.ts clientSettings): per user and persistent, never the OS temp dir.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgs, type Flags } from '../../src/cli/args.js';
import { CLIENT_FLAGS, clientSettings } from '../../src/cli/endpoint.js';
import { clientStateDir, hubStateDir, stateRoot } from '../../src/cli/state-dir.js';

const KEY = '0a'.repeat(32);
const flags = (extra: string[] = []): Flags => {
  const f = parseArgs({ name: 'pub', summary: '', flags: CLIENT_FLAGS }, ['--hub', '127.0.0.1:4000', '--id', 'sensor-1', '--key', KEY, ...extra]);
  if (f === 'help') throw new Error('unexpected help');
  return f;
};

describe('default state directories', () => {
  it('$XDG_STATE_HOME/saltwire/<ID> and hub-<PORT>', () => {
    const env = { XDG_STATE_HOME: '/srv/state', HOME: '/home/ann' };
    expect(stateRoot(env)).toBe('/srv/state/saltwire');
    expect(clientStateDir('sensor-1', env)).toBe('/srv/state/saltwire/sensor-1');
    expect(hubStateDir(4000, env)).toBe('/srv/state/saltwire/hub-4000');
  });

  it('~/.local/state/saltwire when XDG_STATE_HOME is unset, empty or relative; HOME from the environment given', () => {
    for (const xdg of [undefined, '', 'state']) {
      expect(clientStateDir('d', { XDG_STATE_HOME: xdg, HOME: '/home/ann' })).toBe('/home/ann/.local/state/saltwire/d');
    }
    expect(stateRoot({})).toBe(join(homedir(), '.local', 'state', 'saltwire'));
  });

  it('clientSettings: --state wins, else the default from io.env; --connect-timeout in seconds (default 5)', () => {
    const env = { XDG_STATE_HOME: '/x' };
    expect(clientSettings(flags(), { env })).toMatchObject({ stateDir: '/x/saltwire/sensor-1', connectTimeoutMs: 5000 });
    expect(clientSettings(flags(['--state', '/data/sw', '--connect-timeout', '0.25']), { env })).toMatchObject({ stateDir: '/data/sw', connectTimeoutMs: 250 });
    expect(() => clientSettings(flags(['--connect-timeout', '0']), { env })).toThrow(/--connect-timeout must be a number greater than 0/);
  });
});
