import { type Attributes } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { ATTR_DB_NAMESPACE, ATTR_DB_SYSTEM_NAME, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from '@opentelemetry/semantic-conventions';
import { defaultSourceName } from '../../src/span-model/source-name.js';
import { ATTR_DB_NAME_OLD, ATTR_DB_SYSTEM_OLD } from '../../src/span-model/attributes.js';
import type { ContribSourceInfo, ContribSourceMap, ContribSourceResolver } from './types.js';

/**
 * A function naming the source of a contrib span from its start attributes: the user's map or
 * function first, else the same default name fedscope's span processor gives a span without
 * `federation.source` (so a span's source is the same whether it was named here or there).
 */
export function contribSourceNamer(sources: ContribSourceMap | ContribSourceResolver | undefined): (attributes: Attributes) => string {
  const name = nameSource(sources);
  if (typeof sources === 'function') return name; // the user's function may answer differently each time
  // Most processes talk to few databases: the last connection's name is reused as the same string,
  // which spares building it per query and makes the statistics' lookups by source cheaper.
  let last: { key: unknown[]; name: string } | undefined;
  return (attributes) => {
    const key = [
      attributes[ATTR_DB_SYSTEM_NAME],
      attributes[ATTR_SERVER_ADDRESS],
      attributes[ATTR_SERVER_PORT],
      attributes[ATTR_DB_NAMESPACE],
      attributes[ATTR_DB_SYSTEM_OLD],
      attributes[ATTR_DB_NAME_OLD],
    ];
    if (last !== undefined && key.every((value, i) => value === last!.key[i])) return last.name;
    last = { key, name: name(attributes) };
    return last.name;
  };
}

function nameSource(sources: ContribSourceMap | ContribSourceResolver | undefined): (attributes: Attributes) => string {
  return (attributes) => {
    const fallback = defaultSourceName(attributes) ?? 'unknown';
    if (sources === undefined) return fallback;
    const info = sourceInfoOf(attributes);
    if (typeof sources === 'function') {
      try {
        const name = sources(info);
        if (typeof name === 'string' && name !== '') return name;
      } catch (error) {
        fedscopeLog.error('the contrib source resolver threw; using the default name', error);
      }
      return fallback;
    }
    for (const key of sourceMapKeys(info, fallback)) {
      const name = Object.prototype.hasOwnProperty.call(sources, key) ? sources[key] : undefined;
      if (typeof name === 'string' && name !== '') return name;
    }
    return fallback;
  };
}

/** The keys a {@link ContribSourceMap} is searched with, most specific first. */
export function sourceMapKeys(info: ContribSourceInfo, defaultName: string): string[] {
  const keys = [defaultName];
  const { host, port, database } = info;
  if (host !== undefined) {
    if (port !== undefined && database !== undefined) keys.push(`${host}:${port}/${database}`);
    if (database !== undefined) keys.push(`${host}/${database}`);
    if (port !== undefined) keys.push(`${host}:${port}`);
    keys.push(host);
  }
  return keys;
}

function sourceInfoOf(attributes: Attributes): ContribSourceInfo {
  const port = attributes[ATTR_SERVER_PORT];
  return {
    system: String(attributes[ATTR_DB_SYSTEM_NAME] ?? ''),
    host: typeof attributes[ATTR_SERVER_ADDRESS] === 'string' ? attributes[ATTR_SERVER_ADDRESS] : undefined,
    port: typeof port === 'number' && Number.isFinite(port) ? port : undefined,
    database: typeof attributes[ATTR_DB_NAMESPACE] === 'string' ? attributes[ATTR_DB_NAMESPACE] : undefined,
  };
}
