/** Every crypto backend available here; each test that touches crypto runs on all of them. */
import { loadSodiumSuite } from '../src/node/crypto.js';
import { tweetnaclSuite, type CryptoSuite } from '../src/core.js';

const sodium = loadSodiumSuite();
export const suites: CryptoSuite[] = sodium === undefined ? [tweetnaclSuite] : [tweetnaclSuite, sodium];
