import { expect } from 'vitest';
import { FedscopeConfigError } from '../../src/diagnostics/fedscope-config-error.js';
import { resolveConfig } from '../../src/options/resolve-config.js';
import type { FedscopeOptions } from '../../src/options/types.js';

/** The FedscopeConfigError `resolveConfig` throws for these options and environment; fails the test when it throws none. */
export function configErrorOf(options: unknown, env: Record<string, string> = {}): FedscopeConfigError {
  try {
    resolveConfig(options as FedscopeOptions, env);
  } catch (error) {
    expect(error).toBeInstanceOf(FedscopeConfigError);
    return error as FedscopeConfigError;
  }
  throw new Error('expected resolveConfig to throw');
}
