import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as fsPromises from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeHistory, HISTORY_FORMAT_VERSION } from '../../../processors/history/history-codec.js';
import type { HistoryFileSystem } from '../../../processors/history/history-file.js';
import { HistoryPersistence } from '../../../processors/history/history-persistence.js';
import { HistoryStore } from '../../../processors/history/history-store.js';
import { fedscopeLog } from '../../../src/diagnostics/fedscope-log.js';
import { ManualClock } from '../../../src/stats/manual-clock.js';
import { answersOf, filledStore, T0 } from './history-fixtures.js';

const NOW_MS = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
let dir: string;
const lines: string[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fedscope-history-'));
  lines.length = 0;
  fedscopeLog.configure({ write: (line) => lines.push(line), repeatIntervalMs: 0, forwardToDiag: false });
});
afterEach(() => {
  fedscopeLog.configure({ write: (line) => process.stderr.write(`${line}\n`), repeatIntervalMs: 60_000, forwardToDiag: true });
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh store on the clock of `filledStore(ticks)`, with its persistence in `dir`, loaded. */
function reloaded(clockMs: number, fileSystem?: HistoryFileSystem) {
  const store = new HistoryStore({ clock: new ManualClock(clockMs) });
  const persistence = new HistoryPersistence(store, { dir, now: () => NOW_MS, ...(fileSystem ? { fileSystem } : {}) });
  persistence.load();
  return { store, persistence };
}

/** Writes a valid file of `ticks` ticks through a persistence and returns the store it saved. */
async function saved(ticks: number) {
  const { clock, store } = filledStore(ticks);
  const persistence = new HistoryPersistence(store, { dir });
  persistence.load();
  await persistence.stop();
  return { clock, store, persistence };
}

describe('HistoryPersistence', () => {
  it('starts fresh without a file, saves at stop, and a new process loads the same points', async () => {
    const { clock, store, persistence } = await saved(6);
    expect(persistence.stats()).toMatchObject({ saves: 1, saveFailures: 0, restoredSeries: 0, loadProblem: null, inMemoryOnly: false });
    expect(persistence.stats().lastSaveBytes).toBe(readFileSync(join(dir, 'history.bin')).length);
    expect(readdirSync(dir)).toEqual(['history.bin']);
    const again = reloaded(clock.now() + 30_000);
    expect(again.persistence.stats()).toMatchObject({ restoredSeries: 7, skippedSeries: 0, loadProblem: null });
    const now = clock.now() / 1000;
    expect(answersOf(again.store, T0, now)).toEqual(answersOf(store, T0, now));
    expect(lines).toEqual([]);
  });

  it('does not save before it loaded (it would replace the saved history with an empty one)', async () => {
    await saved(3);
    const before = readFileSync(join(dir, 'history.bin'));
    const persistence = new HistoryPersistence(new HistoryStore(), { dir });
    await persistence.save();
    expect(readFileSync(join(dir, 'history.bin')).equals(before)).toBe(true);
    expect(persistence.stats().saves).toBe(0);
  });

  for (const [name, damage, problem] of [
    [
      'a truncated file',
      (bytes: Uint8Array) => bytes.subarray(0, bytes.length - 5000),
      /is unusable: truncated: \d+ bytes, its header announces \d+/,
    ],
    [
      'a damaged file',
      (bytes: Uint8Array) => ((bytes[bytes.length - 9] = 0x55), bytes),
      /is unusable: damaged: its checksum does not match/,
    ],
    [
      'a file of another version',
      (bytes: Uint8Array) => (new DataView(bytes.buffer, bytes.byteOffset).setUint32(8, 7, true), bytes),
      new RegExp(`is unusable: format version 7; this fedscope reads version ${HISTORY_FORMAT_VERSION}`),
    ],
    [
      'a file that is no history',
      () => new TextEncoder().encode('hello, world: not a history at all'),
      /is unusable: not a fedscope history file/,
    ],
    [
      'a file of other tiers',
      () => encodeHistory(new HistoryStore({ tiers: [{ stepSeconds: 10, retentionSeconds: 600 }] }).dump()),
      /is unusable: written for other tiers \(10 s for 600 s\)/,
    ],
  ] as const) {
    it(`puts ${name} aside with one line naming the file and the problem, and starts fresh`, async () => {
      const { clock } = await saved(4);
      const file = join(dir, 'history.bin');
      writeFileSync(file, damage(new Uint8Array(readFileSync(file))));
      const damaged = readFileSync(file);
      const { store, persistence } = reloaded(clock.now());
      const aside = join(dir, 'history.bin.corrupt-2026-01-02T03-04-05-678Z');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(`the history file ${file} `);
      expect(lines[0]).toMatch(problem);
      expect(lines[0]).toContain(`it is kept as ${aside} and the history starts fresh`);
      expect(readFileSync(aside).equals(damaged)).toBe(true);
      expect(existsSync(file)).toBe(false);
      expect(store.seriesKeys()).toEqual([]);
      expect(persistence.stats()).toMatchObject({ setAsidePath: aside, restoredSeries: 0, inMemoryOnly: false });
      // The fresh history is saved again in the same place.
      await persistence.stop();
      expect(reloaded(clock.now()).persistence.stats().loadProblem).toBeNull();
    });
  }

  it('does not read a file larger than any history of its bounds could be: put aside as damaged', () => {
    const store = new HistoryStore({ maxSeries: 1, maxAlertTransitions: 0 });
    const persistence = new HistoryPersistence(store, { dir, now: () => NOW_MS });
    writeFileSync(join(dir, 'history.bin'), new Uint8Array(persistence.maxFileBytes + 1));
    persistence.load();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/is larger \(\d+ bytes\) than a history of 1 series can be \(\d+ bytes\); it is kept as .*corrupt-/);
  });

  it('keeps the old file whole when a save dies between writing the temporary file and the rename, and cleans up at the next start', async () => {
    const { clock, store } = await saved(5);
    const before = readFileSync(join(dir, 'history.bin'));
    // A rename that never happens: the process "dies" with the temporary file written and flushed.
    let renameCalled!: () => void;
    const renamed = new Promise<void>((resolve) => (renameCalled = resolve));
    const crashing: HistoryFileSystem = {
      open: fsPromises.open,
      unlink: fsPromises.unlink,
      rename: () => (renameCalled(), new Promise<never>(() => undefined)),
    };
    const { store: more } = filledStore(9);
    const dying = new HistoryPersistence(more, { dir, fileSystem: crashing });
    dying.load();
    void dying.save();
    await renamed;
    const temporaries = readdirSync(dir).filter((name) => name.includes('.tmp-'));
    expect(temporaries).toHaveLength(1);
    expect(readFileSync(join(dir, temporaries[0]!)).length).toBeGreaterThan(before.length / 2);
    expect(readFileSync(join(dir, 'history.bin')).equals(before)).toBe(true);

    const { store: next, persistence } = reloaded(clock.now());
    expect(readdirSync(dir)).toEqual(['history.bin']);
    expect(persistence.stats().restoredSeries).toBe(7);
    const now = clock.now() / 1000;
    expect(answersOf(next, T0, now)).toEqual(answersOf(store, T0, now));
    expect(lines).toEqual([]);
  });

  it('counts a save that fails (a directory it cannot write), says so once, goes on in memory and tries again', async () => {
    const { clock } = await saved(2);
    let refuse = true;
    const refusing: HistoryFileSystem = {
      open: (...args: Parameters<typeof fsPromises.open>) =>
        refuse
          ? Promise.reject(Object.assign(new Error(`EACCES: permission denied, open '${String(args[0])}'`), { code: 'EACCES' }))
          : fsPromises.open(...args),
      rename: fsPromises.rename,
      unlink: fsPromises.unlink,
    };
    const { store, persistence } = reloaded(clock.now(), refusing);
    await persistence.save();
    expect(persistence.stats()).toMatchObject({ saves: 0, saveFailures: 1, inMemoryOnly: false });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /the history cannot be saved to .*history\.bin \(EACCES: permission denied.*\); it goes on in memory, the failed saves are counted/,
    );
    expect(store.seriesKeys()).toHaveLength(7);
    refuse = false;
    await persistence.save();
    expect(persistence.stats()).toMatchObject({ saves: 1, saveFailures: 1 });
  });

  it('keeps the history in memory, with one line, when the directory cannot be created', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const store = new HistoryStore();
    const persistence = new HistoryPersistence(store, { dir: join(dir, 'a-file', 'history') });
    persistence.load();
    persistence.start();
    await persistence.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /the history directory .*a-file\/history cannot be created \(.*ENOTDIR.*\); the history is kept in memory only/,
    );
    expect(persistence.stats()).toMatchObject({ inMemoryOnly: true, saves: 0, saveFailures: 0 });
  });

  it('leaves a file it cannot read (a directory in its place) as it is and keeps the history in memory', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'history.bin'));
    const persistence = new HistoryPersistence(new HistoryStore(), { dir });
    persistence.load();
    await persistence.stop();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/history\.bin cannot be read \(.*EISDIR.*\); it is left as it is; the history is kept in memory only/);
    expect(readdirSync(dir)).toEqual(['history.bin']);
  });
});
