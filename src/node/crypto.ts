/**
 * Picks the crypto backend on Node: sodium-native when it is installed (an optional dependency with
 * a prebuilt binary, 4-13x faster), tweetnacl otherwise. Both pass the same vectors.
 * @module
 */
import { createRequire } from 'node:module';
import { sodiumSuite, type SodiumNativeApi } from '../crypto/sodium.js';
import type { CryptoSuite } from '../crypto/suite.js';
import { tweetnaclSuite } from '../crypto/tweetnacl.js';

let cached: CryptoSuite | undefined;

/**
 * The sodium-native suite, or undefined if sodium-native is not installed or fails to load.
 * @group Keys
 */
export function loadSodiumSuite(): CryptoSuite | undefined {
  try {
    const require = createRequire(import.meta.url);
    return sodiumSuite(require('sodium-native') as SodiumNativeApi);
  } catch {
    return undefined;
  }
}

/**
 * The fastest available suite: sodium-native when installed, else tweetnacl.
 * `SALTWIRE_CRYPTO=tweetnacl` forces the pure-JS backend (for comparisons and for checking both
 * backends).
 *
 * @example
 * ```ts
 * import { defaultCryptoSuite, generateKey } from 'saltwire';
 *
 * const suite = defaultCryptoSuite();
 * const key = generateKey(suite);
 * ```
 * @group Keys
 */
export function defaultCryptoSuite(): CryptoSuite {
  if (cached === undefined) {
    const forced = process.env['SALTWIRE_CRYPTO'];
    cached = forced === 'tweetnacl' ? tweetnaclSuite : (loadSodiumSuite() ?? tweetnaclSuite);
  }
  return cached;
}
