/**
 * The CLI's default state directories: the same per-user XDG directories startClient and startHub
 * use (node/state-dir.ts), re-exported so the commands and their tests name one place.
 * @module
 */
export { stateRoot, clientStateDir, hubStateDir, STATE_HELP_DEFAULT } from '../node/state-dir.js';
