/**
 * Whether an error from opening or fsyncing a directory only says the file system cannot flush
 * directories (EISDIR, EINVAL, EPERM, EBADF on some platforms and file systems): the rename then
 * stays as durable as the file system makes it, and writers go on instead of failing.
 */
export function isUnsupportedDirectorySync(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}
