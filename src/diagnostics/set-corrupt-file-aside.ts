import { renameSync } from 'node:fs';

/**
 * Renames a file fedscope cannot use to `<file>.corrupt-<UTC time>`, so that it is kept for
 * inspection and nothing overwrites it (the history file, an alert spool file).
 * @param path - the file
 * @param nowMs - the time named in the new name
 * @returns the new path
 * @throws the file system's error
 */
export function setCorruptFileAside(path: string, nowMs: number = Date.now()): string {
  const aside = `${path}.corrupt-${new Date(nowMs).toISOString().replace(/[:.]/g, '-')}`;
  renameSync(path, aside);
  return aside;
}
