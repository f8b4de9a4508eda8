import { performance } from 'node:perf_hooks';
import { describeError, fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { decodeHistory, historyEncoder, seriesFileBytes } from './history-codec.js';
import { HistoryFile, type HistoryFileSystem } from './history-file.js';
import type { HistoryStore } from './history-store.js';
import { slotsOf } from './history-tiers.js';
import type { HistoryPersistenceStats } from './types.js';

/** Options of a {@link HistoryPersistence}. */
export interface HistoryPersistenceOptions {
  /** The directory of the history file (`history.bin`); created when missing. */
  dir: string;
  /**
   * Milliseconds between saves (and one more at {@link HistoryPersistence.stop}).
   * @default 60000
   */
  saveIntervalMs?: number;
  /** The file operations of a save (a test seam). @default node:fs/promises */
  fileSystem?: HistoryFileSystem;
  /** Epoch milliseconds, for the name a damaged file is put aside under. @default Date.now */
  now?: () => number;
}

const DEFAULT_SAVE_INTERVAL_MS = 60_000;
/** Header room per series (key and labels as JSON) and per alert transition, for the bound on the file's size. */
const HEADER_BYTES_PER_SERIES = 4_096;
const HEADER_BYTES_PER_TRANSITION = 2_048;
const HEADER_BYTES_BASE = 65_536;

/**
 * Keeps a {@link HistoryStore} across restarts in one file (`<dir>/history.bin`, see
 * {@link historyEncoder} for the format): {@link load} at start, a save every `saveIntervalMs`
 * on an unref'd timer and one at {@link stop}. A save copies one series at a time (about
 * 100 KB) on the event loop and writes it asynchronously before copying the next, so it never
 * holds the whole file nor blocks for the whole copy (figures for 200 full series in the README);
 * the file is replaced atomically ({@link HistoryFile}). The file is bounded by the store's
 * `maxSeries`: 24 bytes, a header, and 36 bytes a point of every series (101,088 bytes a series
 * with the default tiers, 20.3 MB for 200).
 *
 * Nothing here throws: a damaged, truncated, foreign, other-version or other-tiers file gives one
 * line naming the file and the problem, is put aside as `history.bin.corrupt-<time>` and the
 * history starts fresh; a directory or file that cannot be used gives one line and the history
 * goes on in memory; a failed save is counted and logged, and the next one tries again.
 */
export class HistoryPersistence {
  private readonly file: HistoryFile;
  private readonly saveIntervalMs: number;
  private readonly now: () => number;
  private readonly counters: HistoryPersistenceStats;
  private timer: NodeJS.Timeout | undefined;
  private pending: Promise<void> | undefined;
  private stopped = false;
  private loaded = false;

  /**
   * @param store - the history to keep
   * @param options - the directory and the save interval
   */
  constructor(
    private readonly store: HistoryStore,
    options: HistoryPersistenceOptions,
  ) {
    this.file = new HistoryFile(options.dir, options.fileSystem ? { fileSystem: options.fileSystem } : {});
    this.saveIntervalMs = options.saveIntervalMs ?? DEFAULT_SAVE_INTERVAL_MS;
    this.now = options.now ?? Date.now;
    this.counters = {
      file: this.file.path,
      inMemoryOnly: false,
      restoredSeries: 0,
      skippedSeries: 0,
      loadProblem: null,
      setAsidePath: null,
      saves: 0,
      saveFailures: 0,
      skippedSaves: 0,
      lastSaveAt: null,
      lastSaveBytes: 0,
      lastEncodeMs: 0,
      lastWriteMs: 0,
    };
  }

  /** Whether a save would write: loaded, not stopped, not kept in memory only. */
  get savesEnabled(): boolean {
    return this.loaded && !this.stopped && !this.counters.inMemoryOnly;
  }

  /** The largest file a history of the store's bounds can write; a larger one is not read. */
  get maxFileBytes(): number {
    const slots = slotsOf(this.store.tiers);
    return (
      HEADER_BYTES_BASE +
      this.store.maxSeries * (seriesFileBytes(slots, true) + HEADER_BYTES_PER_SERIES) +
      this.store.maxAlertTransitions * HEADER_BYTES_PER_TRANSITION
    );
  }

  /** Restores the saved history into the store (call it before the first tick; later calls do nothing). Never throws. */
  load(): void {
    if (this.loaded) return;
    this.loaded = true;
    try {
      this.file.prepareDirectory();
    } catch (error) {
      this.goInMemory(`the history directory ${this.file.dir} cannot be created (${describeError(error)})`);
      return;
    }
    this.file.removeStaleTemporaries();
    const read = this.file.read(this.maxFileBytes);
    switch (read.kind) {
      case 'missing':
        return;
      case 'unreadable':
        // Not damaged, only unreadable: saving would replace a history that may be fine.
        this.goInMemory(`the history file ${this.file.path} cannot be read (${read.reason}); it is left as it is`);
        return;
      case 'oversize':
        this.setAside(
          `is larger (${read.bytes} bytes) than a history of ${this.store.maxSeries} series can be (${this.maxFileBytes} bytes)`,
        );
        return;
      case 'bytes': {
        const decoded = decodeHistory(read.bytes, { tiers: this.store.tiers });
        if (!decoded.ok) {
          this.setAside(`is unusable: ${decoded.problem}`);
          return;
        }
        try {
          const result = this.store.restore(decoded.dump);
          this.counters.restoredSeries = result.restored;
          this.counters.skippedSeries = result.expired + result.overLimit;
          if (result.overLimit > 0)
            fedscopeLog.warn(
              `the history file ${this.file.path} holds more series than the bound (${this.store.maxSeries}): ${result.overLimit} were left out`,
            );
        } catch (error) {
          this.setAside(`is unusable: ${describeError(error)}`);
        }
      }
    }
  }

  /** Saves every `saveIntervalMs` on an unref'd timer until {@link stop}. */
  start(): void {
    if (this.stopped || this.counters.inMemoryOnly) return;
    this.timer ??= setInterval(() => void this.save(), this.saveIntervalMs).unref();
  }

  /**
   * Saves now; a save already writing is awaited instead (counted as skipped). Nothing is saved
   * before {@link load} (that would replace the saved history with an empty one). Never rejects.
   */
  save(): Promise<void> {
    if (!this.loaded || this.counters.inMemoryOnly) return Promise.resolve();
    if (this.pending) {
      this.counters.skippedSaves++;
      return this.pending;
    }
    this.pending = this.saveOnce().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Stops the timer, waits for a save that is writing, then saves one last time. Never rejects. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.stopped) return;
    this.stopped = true;
    await this.pending;
    await this.save();
  }

  /** What was loaded, saved and failed. */
  stats(): HistoryPersistenceStats {
    return { ...this.counters };
  }

  private async saveOnce(): Promise<void> {
    try {
      const start = performance.now();
      const encoder = historyEncoder(this.store.dump());
      // Time on the event loop: the header and each chunk's making (a copy of one series), not the writes between them.
      let encodeMs = performance.now() - start;
      const timed = {
        *chunks(): Generator<Uint8Array> {
          const chunks = encoder.chunks();
          for (;;) {
            const begin = performance.now();
            const next = chunks.next();
            encodeMs += performance.now() - begin;
            if (next.done) return;
            yield next.value;
          }
        },
        head: () => encoder.head(),
      };
      const bytes = await this.file.write(timed);
      this.counters.lastEncodeMs = round(encodeMs);
      this.counters.lastWriteMs = round(performance.now() - start - encodeMs);
      this.counters.lastSaveBytes = bytes;
      this.counters.lastSaveAt = new Date(this.now()).toISOString();
      this.counters.saves++;
    } catch (error) {
      this.counters.saveFailures++;
      fedscopeLog.warn(
        `the history cannot be saved to ${this.file.path} (${describeError(error)}); it goes on in memory, the failed saves are counted (saveFailures in /fedscope/series.json)`,
      );
    }
  }

  private setAside(problem: string): void {
    this.counters.loadProblem = problem;
    let aside: string;
    try {
      aside = this.file.setAside(this.now());
    } catch (error) {
      this.goInMemory(
        `the history file ${this.file.path} ${problem}, and it cannot be put aside (${describeError(error)}); the history starts fresh`,
      );
      return;
    }
    this.counters.setAsidePath = aside;
    fedscopeLog.error(`the history file ${this.file.path} ${problem}; it is kept as ${aside} and the history starts fresh`);
  }

  private goInMemory(line: string): void {
    this.counters.inMemoryOnly = true;
    this.counters.loadProblem ??= line;
    fedscopeLog.warn(`${line}; the history is kept in memory only`);
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
