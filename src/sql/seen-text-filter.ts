/**
 * Whether a text was seen lately, in fixed memory: a Bloom filter (two probes) keyed by a 32-bit
 * FNV-1a hash of the text, cleared after `period` new texts. It answers "seen" for every text seen
 * since the last clearing and, rarely, for one that was not (a false positive); never "not seen" for
 * one that was. {@link StatementAnalyzer.fingerprint} uses it to cache only texts that come back.
 */
export class SeenTextFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  private readonly period: number;
  private added = 0;

  /**
   * @param period - new texts remembered before the filter is cleared (at least 1); 16 bits are kept per text
   */
  constructor(period: number) {
    this.period = Math.max(1, Math.floor(period));
    const size = 2 ** Math.ceil(Math.log2(Math.max(1024, this.period * 16)));
    this.mask = size - 1;
    this.bits = new Uint32Array(size / 32);
  }

  /**
   * True when `text` (its first `maxLength` characters) was seen since the last clearing; marks it seen.
   * @param text - the text
   * @param maxLength - characters hashed (texts that differ only beyond them count as one)
   */
  seenBefore(text: string, maxLength: number): boolean {
    const n = Math.min(text.length, maxLength);
    let hash = 0x811c9dc5 ^ n;
    for (let i = 0; i < n; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
    // The second probe from a murmur3-style finaliser of the first: independent enough for two probes.
    let second = hash ^ (hash >>> 16);
    second = Math.imul(second, 0x85ebca6b);
    second ^= second >>> 13;
    const a = hash & this.mask;
    const b = second & this.mask;
    const bits = this.bits;
    if ((bits[a >>> 5]! & (1 << (a & 31))) !== 0 && (bits[b >>> 5]! & (1 << (b & 31))) !== 0) return true;
    if (++this.added > this.period) {
      bits.fill(0);
      this.added = 1;
    }
    bits[a >>> 5]! |= 1 << (a & 31);
    bits[b >>> 5]! |= 1 << (b & 31);
    return false;
  }

  /** Bytes held by the filter. */
  get bytes(): number {
    return this.bits.byteLength;
  }
}
