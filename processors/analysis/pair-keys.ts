/**
 * Combined keys of two strings (`a\u0000b`), built once per pair and handed out again as the same
 * string: V8 keeps a string's hash, so a map keyed by the combined key then costs a lookup per
 * record instead of building and hashing a new string each time. Bounded: past `limit` pairs it
 * starts afresh (the keys are equal strings either way; only their reuse is lost until warm).
 */
export class PairKeys {
  private readonly byFirst = new Map<string, Map<string, string>>();
  private size = 0;

  /** @param limit - most pairs remembered */
  constructor(private readonly limit: number) {}

  /** The key of (a, b). */
  key(a: string, b: string): string {
    let bySecond = this.byFirst.get(a);
    const found = bySecond?.get(b);
    if (found !== undefined) return found;
    if (this.size >= this.limit) {
      this.byFirst.clear();
      this.size = 0;
      bySecond = undefined;
    }
    if (bySecond === undefined) {
      bySecond = new Map();
      this.byFirst.set(a, bySecond);
    }
    const key = `${a}\u0000${b}`;
    bySecond.set(b, key);
    this.size++;
    return key;
  }
}
