/**
 * What the state-loss tests share (spec 5.2, 12.4): the five cases of a round, what each does to
 * the state directories, the snapshots they restore from, and a CryptoSuite that reports every
 * (key, nonce) it seals, so a test can show none is sealed twice.
 */
import { cp, rm } from 'node:fs/promises';
import type { CryptoSuite } from '../../src/core.js';

export const CASES = ['device', 'hub', 'both', 'restore-device', 'restore-hub'] as const;
export type LossCase = (typeof CASES)[number];

export interface LossDirs {
  readonly hub: string;
  readonly dev: string;
  readonly snapHub: string;
  readonly snapDev: string;
}

/** Which nodes a case stops and starts again. */
export function hits(c: LossCase): { dev: boolean; hub: boolean } {
  return { dev: c === 'device' || c === 'both' || c === 'restore-device', hub: c === 'hub' || c === 'both' || c === 'restore-hub' };
}

/** Applies a case to the (stopped) nodes' directories: wipe, or replace with the old copy. */
export async function loseState(c: LossCase, d: LossDirs): Promise<void> {
  if (c === 'device' || c === 'both' || c === 'restore-device') await rm(d.dev, { recursive: true, force: true });
  if (c === 'hub' || c === 'both' || c === 'restore-hub') await rm(d.hub, { recursive: true, force: true });
  if (c === 'restore-device') await cp(d.snapDev, d.dev, { recursive: true });
  if (c === 'restore-hub') await cp(d.snapHub, d.hub, { recursive: true });
}

/**
 * Takes the old copies a later round restores: both directories as they are now. The processes run
 * meanwhile, so a store's temporary file (written, then renamed over its record) can vanish between
 * the copy's listing and its read: temporary files are left out, as a backup of an atomically
 * written store would, and a copy that still races is taken again.
 */
export async function snapshot(d: LossDirs): Promise<void> {
  const copy = async (from: string, to: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      await rm(to, { recursive: true, force: true });
      try {
        await cp(from, to, { recursive: true, filter: (src) => !src.endsWith('.tmp') });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 4) throw e;
      }
    }
  };
  await copy(d.hub, d.snapHub);
  await copy(d.dev, d.snapDev);
}

/** `base`, calling `onSeal(key, nonce)` before each seal. */
export function sealReporting(base: CryptoSuite, onSeal: (key: Uint8Array, nonce: Uint8Array) => void): CryptoSuite {
  return {
    name: base.name,
    seal(key, nonce, plaintext, prefix) {
      onSeal(key, nonce);
      return base.seal(key, nonce, plaintext, prefix);
    },
    open: (k, n, b) => base.open(k, n, b),
    randomBytes: (n) => base.randomBytes(n),
    sha512: (d) => base.sha512(d),
    scalarMult: (n, p) => base.scalarMult(n, p),
    scalarMultBase: (n) => base.scalarMultBase(n),
  };
}
