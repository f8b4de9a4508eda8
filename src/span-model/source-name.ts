import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';
import { numberAttribute, stringAttribute } from './attribute-readers.js';
import { ATTR_DB_NAME_OLD, ATTR_DB_SYSTEM_OLD } from './attributes.js';

/**
 * The default name of a source seen only through semantic-convention attributes:
 * `{system}://{server.address}[:{port}][/{namespace}]`, e.g. `postgresql://db1:5432/orders`.
 * The span classifier and the contrib instrumentations' source naming both use it.
 */
export function defaultSourceName(a: Attributes): string | undefined {
  const system =
    stringAttribute(a[ATTR_DB_SYSTEM_NAME]) ??
    stringAttribute(a[ATTR_DB_SYSTEM_OLD]) ??
    (a[ATTR_HTTP_REQUEST_METHOD] !== undefined ? 'http' : undefined);
  if (system === undefined) return undefined;
  const host = stringAttribute(a[ATTR_SERVER_ADDRESS]);
  const port = numberAttribute(a[ATTR_SERVER_PORT]);
  const namespace = stringAttribute(a[ATTR_DB_NAMESPACE]) ?? stringAttribute(a[ATTR_DB_NAME_OLD]);
  let name = `${system}://${host ?? ''}`;
  if (port !== undefined) name += `:${port}`;
  if (namespace !== undefined) name += `/${namespace}`;
  return name;
}
