/**
 * Saltwire for Node.js: the runtime-agnostic core plus the Node edges (crypto backend choice,
 * file-backed epoch store).
 * @module
 */
export * from './core.js';
export { defaultCryptoSuite, loadSodiumSuite } from './node/crypto.js';
export { FileEpochStore } from './node/file-epoch-store.js';
