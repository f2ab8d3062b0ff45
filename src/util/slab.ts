/**
 * Small byte arrays carved out of shared slabs: the seal outputs of a crypto suite, encoded
 * operations, and unreliable messages waiting for their datagram. A fresh ArrayBuffer per small
 * array (V8 keeps those over 64 bytes off the heap) costs more than the bytes it holds.
 * @module
 */

/**
 * Carves small buffers out of shared slabs, as Node's Buffer pool does, but without its per-call
 * Buffer construction. A slab is never reused once full, so every view starts zeroed and no bytes of
 * one datagram can show through in another; a retained view keeps its slab alive. `buffer` and `at`
 * describe the last view handed out, so a caller can make a second view of it without reading
 * `.buffer` (a slow getter: it costs as much as the view itself).
 */
export class Slab {
  buffer: ArrayBuffer;
  at = 0;
  private offset = 0;
  constructor(private readonly size = 32768) {
    this.buffer = new ArrayBuffer(size);
  }
  take(n: number): Uint8Array {
    if (n > this.size >>> 2) {
      const own = new Uint8Array(n);
      this.buffer = own.buffer as ArrayBuffer;
      this.at = 0;
      this.offset = this.size; // the next take starts a new slab
      return own;
    }
    if (this.offset + n > this.size) {
      this.buffer = new ArrayBuffer(this.size);
      this.offset = 0;
    }
    this.at = this.offset;
    this.offset = (this.offset + n + 7) & ~7; // 8-byte alignment, as Node's pool
    return new Uint8Array(this.buffer, this.at, n);
  }
}
