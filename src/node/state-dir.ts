/**
 * Where a node keeps its state by default (the CLI, startClient, startHub; spec 5.2: the epoch must
 * survive restarts, so not in a temp dir that the OS may empty at boot): the XDG base directory for
 * state, per user.
 *
 *   $XDG_STATE_HOME/saltwire/<NAME>, or ~/.local/state/saltwire/<NAME> when XDG_STATE_HOME is
 *   unset, empty or not an absolute path (the XDG spec says to ignore a relative one)
 *
 * NAME is the device's id for a client and `hub-<PORT>` for a hub. The environment is passed in
 * (the command's Io), never read from process.env here, so tests choose it.
 * @module
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The base directory: `$XDG_STATE_HOME/saltwire` or `$HOME/.local/state/saltwire`.
 * @group Client and hub options
 */
export function stateRoot(env: Readonly<Record<string, string | undefined>>): string {
  const xdg = env['XDG_STATE_HOME'];
  if (xdg !== undefined && xdg !== '' && isAbsolute(xdg)) return join(xdg, 'saltwire');
  const home = env['HOME'];
  return join(home !== undefined && home !== '' ? home : homedir(), '.local', 'state', 'saltwire');
}

/**
 * A client's default state directory: `<root>/<ID>`.
 * @group Client and hub options
 */
export function clientStateDir(id: string, env: Readonly<Record<string, string | undefined>>): string {
  return join(stateRoot(env), id);
}

/**
 * A hub's default state directory: `<root>/hub-<PORT>` (PORT: the bound port).
 * @group Client and hub options
 */
export function hubStateDir(port: number, env: Readonly<Record<string, string | undefined>>): string {
  return join(stateRoot(env), `hub-${port}`);
}

/** The help text of --state. */
export const STATE_HELP_DEFAULT = '$XDG_STATE_HOME/saltwire/ (default ~/.local/state/saltwire/)';
