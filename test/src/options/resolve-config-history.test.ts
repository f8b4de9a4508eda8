import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FedscopeConfigError } from '../../../src/diagnostics/fedscope-config-error.js';
import { resolveConfig } from '../../../src/options/resolve-config.js';

describe('resolveConfig: history.dir and jaegerUiUrl', () => {
  it('keeps the history in memory unless history.dir or FEDSCOPE_HISTORY_DIR names a directory (made absolute; the option wins)', () => {
    expect(resolveConfig({}, {}).history).toEqual({ dir: undefined });
    expect(resolveConfig({}, { FEDSCOPE_HISTORY_DIR: 'state/history' }).history).toEqual({ dir: join(process.cwd(), 'state/history') });
    expect(resolveConfig({ history: { dir: '/var/lib/app' } }, { FEDSCOPE_HISTORY_DIR: '/tmp/other' }).history).toEqual({
      dir: '/var/lib/app',
    });
    expect(() => resolveConfig({}, { FEDSCOPE_HISTORY_DIR: fileURLToPath(import.meta.url) })).toThrow(
      new FedscopeConfigError('FEDSCOPE_HISTORY_DIR', `${fileURLToPath(import.meta.url)} is not a directory`),
    );
    expect(() => resolveConfig({ history: { dir: '' } }, {})).toThrow(
      new FedscopeConfigError('history.dir', 'expected a non-empty string, got ""'),
    );
    expect(() => resolveConfig({ history: { directory: '/x' } as never }, {})).toThrow(/history\.directory: unknown option.*allowed: dir/);
  });

  it('takes the Jaeger UI base URL from jaegerUiUrl or FEDSCOPE_JAEGER_UI_URL, without trailing slashes, and refuses what is not one', () => {
    expect(resolveConfig({}, {}).jaegerUiUrl).toBeUndefined();
    expect(resolveConfig({}, { FEDSCOPE_JAEGER_UI_URL: 'http://localhost:16686/' }).jaegerUiUrl).toBe('http://localhost:16686');
    expect(resolveConfig({ jaegerUiUrl: 'https://ops.example/jaeger//' }, { FEDSCOPE_JAEGER_UI_URL: 'http://x:1' }).jaegerUiUrl).toBe(
      'https://ops.example/jaeger',
    );
    expect(() => resolveConfig({ jaegerUiUrl: 'localhost:16686' }, {})).toThrow(FedscopeConfigError);
    expect(() => resolveConfig({}, { FEDSCOPE_JAEGER_UI_URL: 'not a url' })).toThrow(
      /FEDSCOPE_JAEGER_UI_URL: expected an absolute http\(s\) URL/,
    );
    expect(() => resolveConfig({ jaegerUiUrl: 'http://admin:secret@jaeger:16686' }, {})).toThrow(
      new FedscopeConfigError('jaegerUiUrl', 'must not hold credentials: the URL is shown to every reader of the dashboard'),
    );
    expect(() => resolveConfig({ jaegerUiUrl: 'http://jaeger:16686/#search' }, {})).toThrow(
      /jaegerUiUrl: expected a base URL without a query or fragment \(e.g. http:\/\/localhost:16686\)/,
    );
  });
});
