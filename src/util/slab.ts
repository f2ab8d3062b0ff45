/**
 * Long-lived small arrays (keys, replay-window rings) carved out of shared 16 KiB slabs. A typed
 * array of its own costs an ArrayBuffer object and a separately allocated backing store, about 150
 * bytes beyond its contents; for the two keys and the ring every peer holds, that alone would break
 * the per-peer memory goal (spec 9.5). A slab lives as long as any array in it, so only data that
 * lives about as long as its neighbours (per-peer state) belongs here, never per-datagram buffers.
 * @module
 */

const SLAB_BYTES = 16384;

let slab = new ArrayBuffer(SLAB_BYTES);
let offset = 0;

function carve(bytes: number): [ArrayBuffer, number] {
  if (bytes > SLAB_BYTES / 4) return [new ArrayBuffer(bytes), 0];
  offset = (offset + 7) & ~7;
  if (offset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    offset = 0;
  }
  const at = offset;
  offset += bytes;
  return [slab, at];
}

/** A zeroed Uint8Array of `n` bytes for long-lived state. */
export function longLivedBytes(n: number): Uint8Array {
  const [buf, at] = carve(n);
  return new Uint8Array(buf, at, n);
}

/** A long-lived copy of `src` (a derived key, say); the caller wipes `src` if it is secret. */
export function keepBytes(src: Uint8Array): Uint8Array {
  const out = longLivedBytes(src.length);
  out.set(src);
  return out;
}

/** A zeroed Uint32Array of `n` elements for long-lived state. */
export function longLivedU32(n: number): Uint32Array {
  const [buf, at] = carve(n * 4);
  return new Uint32Array(buf, at, n);
}
