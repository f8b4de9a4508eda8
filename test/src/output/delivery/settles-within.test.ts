import { describe, expect, it } from 'vitest';
import { settlesWithin } from '../../../../src/output/delivery/settles-within.js';

describe('settlesWithin', () => {
  it('is true for work that resolves or rejects in time, false when the time runs out first', async () => {
    expect(await settlesWithin(Promise.resolve(1), 100)).toBe(true);
    expect(await settlesWithin(Promise.reject(new Error('x')), 100)).toBe(true);
    const started = Date.now();
    expect(await settlesWithin(new Promise(() => {}), 50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
