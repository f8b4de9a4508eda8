import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { setCorruptFileAside } from '../../src/diagnostics/set-corrupt-file-aside.js';
import { isUnsupportedDirectorySync } from '../../src/diagnostics/unsupported-directory-sync.js';
import * as fsPromises from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeError } from '../../src/diagnostics/fedscope-log.js';

/** The asynchronous file operations a save uses (a test seam: a test makes `rename` never settle to play a crash). */
export type HistoryFileSystem = Pick<typeof fsPromises, 'open' | 'rename' | 'unlink'>;

/** What reading the file found. */
export type HistoryFileRead =
  | { kind: 'missing' }
  | { kind: 'bytes'; bytes: Uint8Array }
  /** Larger than any history of the configured bounds: not read, treated as damaged. */
  | { kind: 'oversize'; bytes: number }
  /** Could not be read (permissions, a directory in its place): left alone. */
  | { kind: 'unreadable'; reason: string };

/** What a save writes: chunks in order, then a head written over the file's start (it holds the chunks' checksum). */
export interface HistoryFileContent {
  /** The file's bytes in order, made one at a time. */
  chunks(): Iterable<Uint8Array>;
  /** The bytes to write at offset 0 once every chunk is written. */
  head(): Uint8Array;
}

/** Suffix of the temporary files a save writes before renaming one over the file. */
const TEMP_INFIX = '.tmp-';
/** Owner-only: the history holds the names of queries, sources and services. */
const FILE_MODE = 0o600;

/**
 * The history file in its directory: reads it (at start, synchronously, before any tick), puts a
 * damaged one aside under a new name, and replaces it atomically: the bytes go to a temporary
 * file in the same directory, which is flushed to disk (fsync) and renamed over the file, then the
 * directory is flushed so that the rename itself survives a power cut. A crash at any point
 * leaves either the old file or the new one, never a mix; a temporary file a crash left behind is
 * removed at the next start.
 */
export class HistoryFile {
  /** The file's path. */
  readonly path: string;
  private readonly fs: HistoryFileSystem;
  private writes = 0;

  /**
   * @param dir - the directory (created when missing)
   * @param options - the file's name and the file operations
   */
  constructor(
    readonly dir: string,
    options: { fileName?: string; fileSystem?: HistoryFileSystem } = {},
  ) {
    this.path = join(dir, options.fileName ?? 'history.bin');
    this.fs = options.fileSystem ?? fsPromises;
  }

  /** Creates the directory when missing. @throws the file system's error */
  prepareDirectory(): void {
    mkdirSync(this.dir, { recursive: true });
  }

  /** Removes the temporary files an interrupted save left; returns how many. Never throws. */
  removeStaleTemporaries(): number {
    let removed = 0;
    try {
      const prefix = `${basename(this.path)}${TEMP_INFIX}`;
      for (const name of readdirSync(this.dir)) {
        if (!name.startsWith(prefix)) continue;
        try {
          unlinkSync(join(this.dir, name));
          removed++;
        } catch {
          // Another process's, or already gone: nothing to do.
        }
      }
    } catch {
      // An unreadable directory shows when the file is read or written.
    }
    return removed;
  }

  /** Reads the whole file, unless it is larger than `maxBytes`. Never throws. */
  read(maxBytes: number): HistoryFileRead {
    try {
      const size = statSync(this.path).size;
      if (size > maxBytes) return { kind: 'oversize', bytes: size };
      return { kind: 'bytes', bytes: readFileSync(this.path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
      return { kind: 'unreadable', reason: describeError(error) };
    }
  }

  /**
   * Renames the file aside as `<file>.corrupt-<UTC time>` so that nothing overwrites it.
   * @returns the new path
   * @throws the file system's error
   */
  setAside(nowMs: number): string {
    return setCorruptFileAside(this.path, nowMs);
  }

  /**
   * Replaces the file atomically with the content's chunks, then its head written over the
   * start (temporary file, fsync, rename, fsync of the directory); the temporary file is removed
   * when a step fails. Only the chunks' making runs on the event loop, one chunk at a time.
   * @returns the bytes written
   * @throws the file system's error
   */
  async write(content: HistoryFileContent): Promise<number> {
    const temporary = `${this.path}${TEMP_INFIX}${process.pid}-${++this.writes}`;
    let handle: fsPromises.FileHandle | undefined;
    let size = 0;
    try {
      handle = await this.fs.open(temporary, 'w', FILE_MODE);
      for (const chunk of content.chunks()) {
        await writeAll(handle, chunk, size);
        size += chunk.length;
      }
      await writeAll(handle, content.head(), 0);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await this.fs.rename(temporary, this.path);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await this.fs.unlink(temporary).catch(() => undefined);
      throw error;
    }
    await this.syncDirectory();
    return size;
  }

  /** Flushes the directory entry of the rename; file systems that cannot (EISDIR, EINVAL on some) are skipped. */
  private async syncDirectory(): Promise<void> {
    let handle: fsPromises.FileHandle | undefined;
    try {
      handle = await this.fs.open(dirname(this.path), 'r');
      await handle.sync();
    } catch (error) {
      if (!isUnsupportedDirectorySync(error)) throw error;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

/** Writes all of `bytes` at `position` (a write may take fewer bytes than it was given). */
async function writeAll(handle: fsPromises.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
    written += bytesWritten;
  }
}
