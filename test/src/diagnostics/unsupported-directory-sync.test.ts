import { describe, expect, it } from 'vitest';
import { isUnsupportedDirectorySync } from '../../../src/diagnostics/unsupported-directory-sync.js';

function errnoError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

describe('isUnsupportedDirectorySync', () => {
  it('accepts the codes of file systems that cannot flush a directory', () => {
    for (const code of ['EISDIR', 'EINVAL', 'EPERM', 'EBADF']) expect(isUnsupportedDirectorySync(errnoError(code))).toBe(true);
  });

  it('refuses real failures and values that are not errors', () => {
    for (const code of ['ENOENT', 'EIO', 'ENOSPC', 'EACCES']) expect(isUnsupportedDirectorySync(errnoError(code))).toBe(false);
    expect(isUnsupportedDirectorySync(new Error('no code'))).toBe(false);
    expect(isUnsupportedDirectorySync(undefined)).toBe(false);
  });
});
