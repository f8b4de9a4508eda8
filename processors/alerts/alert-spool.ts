import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { setCorruptFileAside } from '../../src/diagnostics/set-corrupt-file-aside.js';
import { isUnsupportedDirectorySync } from '../../src/diagnostics/unsupported-directory-sync.js';
import type { AlertNotification } from './types.js';

/** Options of an {@link AlertSpool}. */
export interface AlertSpoolOptions {
  /** Most notifications kept per channel (the newest; older ones are dropped and counted). @default 1000 */
  maxPerChannel?: number;
  /** Largest spool file read or written, bytes. @default 1048576 */
  maxFileBytes?: number;
}

const FORMAT = 'fedscope-alert-spool/1';

/**
 * Where alert notifications that could not be delivered before shutdown wait for the next start:
 * one small JSON file per channel in a directory (`alerts.spoolDir`), written atomically (a
 * temporary file, fsync, rename), read and removed at the next start, whose delivery queues send
 * them first, in their order. Bounded: at most `maxPerChannel` notifications (the newest) and
 * `maxFileBytes` per file. A file that cannot be read as a spool is renamed aside with one line
 * on stderr; nothing throws into the application.
 */
export class AlertSpool {
  private readonly maxPerChannel: number;
  private readonly maxFileBytes: number;
  private droppedCount = 0;

  /**
   * @param dir - the spool directory (created when missing)
   * @param options - bounds
   */
  constructor(
    readonly dir: string,
    options: AlertSpoolOptions = {},
  ) {
    this.maxPerChannel = options.maxPerChannel ?? 1000;
    this.maxFileBytes = options.maxFileBytes ?? 1024 * 1024;
  }

  /** Notifications left out by the bounds when spooling (the oldest first), since construction. */
  get dropped(): number {
    return this.droppedCount;
  }

  /**
   * The notifications spooled for channel `index` (`name`) by a previous run, oldest first; the
   * file is removed once read (they are in memory now, and spooled again if undelivered at the next
   * shutdown). Empty when there is none or it is unusable (then renamed aside, with a line).
   */
  take(index: number, name: string): AlertNotification[] {
    const path = this.pathOf(index, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') fedscopeLog.warn(`the alert spool ${path} cannot be read`, error);
      return [];
    }
    try {
      const notifications = parseSpool(text, this.maxFileBytes);
      unlinkSync(path);
      return notifications;
    } catch (error) {
      let aside = path;
      try {
        aside = setCorruptFileAside(path);
      } catch {
        // Left where it is: the next start reports it again.
      }
      fedscopeLog.error(`the alert spool ${path} is unusable (${(error as Error).message}); it is kept as ${aside} and not replayed`);
      return [];
    }
  }

  /**
   * Spools the undelivered notifications of channel `index` (`name`), oldest first, replacing what
   * was there; nothing to spool removes the file. Returns how many were written.
   */
  put(index: number, name: string, notifications: readonly AlertNotification[]): number {
    const path = this.pathOf(index, name);
    let kept = notifications.slice(-this.maxPerChannel);
    let text = serialize(kept);
    while (Buffer.byteLength(text) > this.maxFileBytes && kept.length > 0) {
      kept = kept.slice(Math.ceil(kept.length / 10));
      text = serialize(kept);
    }
    const leftOut = notifications.length - kept.length;
    this.droppedCount += leftOut;
    if (leftOut > 0)
      fedscopeLog.warn(
        `${leftOut} alert notifications of channel ${name} left out of the spool ${path} (bounds: ${this.maxPerChannel} notifications, ${this.maxFileBytes} bytes; the newest are kept)`,
      );
    try {
      if (kept.length === 0) {
        unlinkIfPresent(path);
        return 0;
      }
      mkdirSync(this.dir, { recursive: true });
      writeAtomically(path, text);
      return kept.length;
    } catch (error) {
      fedscopeLog.error(`the alert spool ${path} could not be written; ${kept.length} notifications are lost`, error);
      this.droppedCount += kept.length;
      return 0;
    }
  }

  /** Spool files of this directory (for tests and diagnostics). */
  files(): string[] {
    try {
      return readdirSync(this.dir).filter((f) => f.endsWith('.spool.json'));
    } catch {
      return [];
    }
  }

  private pathOf(index: number, name: string): string {
    return join(this.dir, `${index}-${name.replace(/[^a-zA-Z0-9_-]/g, '_')}.spool.json`);
  }
}

function serialize(notifications: readonly AlertNotification[]): string {
  return JSON.stringify({ format: FORMAT, notifications });
}

function parseSpool(text: string, maxBytes: number): AlertNotification[] {
  if (Buffer.byteLength(text) > maxBytes) throw new Error(`larger than ${maxBytes} bytes`);
  const document = JSON.parse(text) as { format?: unknown; notifications?: unknown };
  if (document.format !== FORMAT) throw new Error(`not a ${FORMAT} file`);
  if (!Array.isArray(document.notifications)) throw new Error('no notifications list');
  return document.notifications.map((item, i) => {
    if (!isNotification(item)) throw new Error(`notification ${i} is not one`);
    return item;
  });
}

function isNotification(value: unknown): value is AlertNotification {
  if (typeof value !== 'object' || value === null) return false;
  const n = value as Record<string, unknown>;
  const strings = (record: unknown) =>
    typeof record === 'object' && record !== null && Object.values(record).every((v) => typeof v === 'string');
  return (
    (n['status'] === 'firing' || n['status'] === 'resolved') &&
    strings(n['labels']) &&
    strings(n['annotations']) &&
    typeof n['startsAt'] === 'string' &&
    (n['endsAt'] === undefined || typeof n['endsAt'] === 'string') &&
    (n['value'] === null || typeof n['value'] === 'number') &&
    typeof n['key'] === 'string' &&
    typeof n['resend'] === 'boolean'
  );
}

function writeAtomically(path: string, text: string): void {
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  syncDirectory(dirname(path));
}

/** Flushes the directory entry of the rename so it survives a power cut; file systems that cannot are skipped. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!isUnsupportedDirectorySync(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
