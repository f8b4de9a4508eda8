/** Slots of a {@link RecentTextMemo}: a power of two. */
const SLOTS = 64;

/**
 * The values of the texts met most recently, in a few direct-mapped slots found from the text's
 * length and three of its characters, so that a text met again is answered without hashing it.
 *
 * Why: a statement text is often a fresh string each time (built by a template, or decoded from an
 * OTLP body), and a `Map` lookup hashes all of a fresh string's characters (≈ 0.3 µs for 120
 * characters), which is most of a hot statement's cost. Comparing against the one slot's text costs
 * a comparison that stops at the first differing character. A miss costs that comparison and
 * nothing else; the caller then asks its cache.
 */
export class RecentTextMemo<V> {
  private readonly texts: Array<string | undefined> = new Array<string | undefined>(SLOTS).fill(undefined);
  private readonly keys = new Int32Array(SLOTS);
  private readonly values: Array<V | undefined> = new Array<V | undefined>(SLOTS).fill(undefined);

  /**
   * The value remembered for `text` under `key` (a small integer the caller distinguishes values by,
   * such as a dialect), or `undefined`.
   */
  get(text: string, key: number): V | undefined {
    const slot = slotOf(text, key);
    return this.texts[slot] === text && this.keys[slot] === key ? this.values[slot] : undefined;
  }

  /** Remembers `value` for `text` under `key`, replacing whatever shared its slot. */
  set(text: string, key: number, value: V): void {
    const slot = slotOf(text, key);
    this.texts[slot] = text;
    this.keys[slot] = key;
    this.values[slot] = value;
  }

  /** Forgets every text. */
  clear(): void {
    this.texts.fill(undefined);
    this.values.fill(undefined);
  }
}

/** The slot of `text` under `key`: from its length and its characters at a quarter, a half and the end. */
function slotOf(text: string, key: number): number {
  const n = text.length;
  if (n === 0) return key & (SLOTS - 1);
  const mix =
    Math.imul(n, 0x9e3779b1) ^ Math.imul(text.charCodeAt(n >>> 2), 31) ^ Math.imul(text.charCodeAt(n >>> 1), 131) ^ text.charCodeAt(n - 1);
  return ((mix ^ (mix >>> 11) ^ key) >>> 0) & (SLOTS - 1);
}
