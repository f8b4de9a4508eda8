import type { CacheOptions, CacheStatus, SourceResult } from './types.js';

interface Entry {
  value: SourceResult;
  bytes: number;
  expiresAt: number;
}

/** How a lookup was answered. */
export type CacheOutcome = 'hit' | 'coalesced' | 'miss';

/**
 * An in-memory LRU of source results with a TTL and two bounds (entries, approximate bytes), plus
 * single-flight: while a call for a key runs, identical requests wait for it instead of calling
 * the source again. Only successful results are stored; a failure reaches every waiter.
 */
export class ResultCache {
  /** Insertion order is recency order: a hit re-inserts its entry. */
  private readonly entries = new Map<string, Entry>();
  private readonly running = new Map<string, Promise<SourceResult>>();
  private totalBytes = 0;
  private hitCount = 0;
  private missCount = 0;
  private evictionCount = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  private readonly ttlMs: number;

  /**
   * @param options - bounds and TTL
   * @param now - clock in milliseconds
   */
  constructor(
    options: CacheOptions,
    private readonly now: () => number,
  ) {
    this.maxEntries = Math.max(0, Math.floor(options.maxEntries ?? 1000));
    this.maxBytes = Math.max(0, options.maxBytes ?? 64 * 1024 * 1024);
    this.ttlMs = Math.max(0, options.ttlMs ?? 30_000);
  }

  /**
   * The result for `key`: from the cache, from an identical call already running, or by running
   * `load` (whose successful result is then stored). `onLookup` learns the outcome before any wait.
   */
  get(key: string, load: () => Promise<SourceResult>, onLookup: (outcome: CacheOutcome) => void): Promise<SourceResult> {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.expiresAt > this.now()) {
        this.entries.delete(key);
        this.entries.set(key, entry);
        this.hitCount++;
        onLookup('hit');
        return Promise.resolve(entry.value);
      }
      this.remove(key, entry);
    }
    const running = this.running.get(key);
    if (running !== undefined) {
      this.hitCount++;
      onLookup('coalesced');
      return running;
    }
    this.missCount++;
    onLookup('miss');
    const promise = load().then(
      (value) => {
        this.running.delete(key);
        this.store(key, value);
        return value;
      },
      (error: unknown) => {
        this.running.delete(key);
        throw error;
      },
    );
    this.running.set(key, promise);
    return promise;
  }

  /** Figures for `status()`. */
  status(): CacheStatus {
    return {
      entries: this.entries.size,
      bytes: this.totalBytes,
      hits: this.hitCount,
      misses: this.missCount,
      evictions: this.evictionCount,
    };
  }

  /** Drops every entry (running calls finish and are stored as usual). */
  clear(): void {
    this.entries.clear();
    this.totalBytes = 0;
  }

  private store(key: string, value: SourceResult): void {
    if (this.maxEntries === 0 || this.ttlMs === 0) return;
    const bytes = approximateBytes(value);
    // A result larger than the whole budget would only evict everything else and be evicted next.
    if (bytes > this.maxBytes) return;
    const previous = this.entries.get(key);
    if (previous) this.remove(key, previous);
    this.entries.set(key, { value, bytes, expiresAt: this.now() + this.ttlMs });
    this.totalBytes += bytes;
    for (const [oldKey, oldEntry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.totalBytes <= this.maxBytes) break;
      this.remove(oldKey, oldEntry);
      this.evictionCount++;
    }
  }

  private remove(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }
}

/**
 * Approximate size of a result: the JSON length of up to 16 sampled rows, scaled to all rows.
 * Sampling keeps the cost flat for large results; JSON length under-counts JS object overhead,
 * which is why the bound is called approximate.
 */
export function approximateBytes(result: SourceResult): number {
  const { rows } = result;
  if (rows.length === 0) return 64;
  const step = Math.max(1, Math.floor(rows.length / 16));
  let sampled = 0;
  let bytes = 0;
  for (let i = 0; i < rows.length && sampled < 16; i += step) {
    bytes += jsonLength(rows[i]);
    sampled++;
  }
  return 64 + Math.ceil((bytes / sampled) * rows.length);
}

function jsonLength(value: unknown): number {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))?.length ?? 4;
  } catch {
    return 256;
  }
}

/** The cache key of a request to a source: source, statement (or request) and parameters. */
export function cacheKey(source: string, statement: string, params: unknown): string {
  return `${source}\u0000${statement}\u0000${JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? `${v.toString()}n` : v instanceof Date ? v.toISOString() : v))}`;
}
