import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_DB_NAMESPACE,
  ATTR_DB_SYSTEM_NAME,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
} from '@opentelemetry/semantic-conventions';
import { numberAttribute, stringAttribute } from './attribute-readers.js';
import {
  ATTR_DB_NAME_OLD,
  ATTR_DB_SYSTEM_OLD,
  ATTR_HTTP_METHOD_OLD,
  ATTR_HTTP_URL_OLD,
  ATTR_NET_PEER_NAME_OLD,
  ATTR_NET_PEER_PORT_OLD,
} from './attributes.js';
import { stableDbSystemName, urlHost, urlPort } from './older-conventions.js';

/**
 * The default name of a source seen only through semantic-convention attributes:
 * `{system}://{server.address}[:{port}][/{namespace}]`, e.g. `postgresql://db1:5432/orders`.
 * The span classifier and the contrib instrumentations' source naming both use it.
 *
 * Each part is read from the stable attribute, else its older name (`db.system` mapped to the
 * stable value, `net.peer.name`, `net.peer.port`, `db.name`, `http.method`); a client span with
 * neither address names its server after the host and port of `url.full` (or `http.url`).
 */
export function defaultSourceName(a: Attributes): string | undefined {
  const system = sourceSystemName(
    stringAttribute(a[ATTR_DB_SYSTEM_NAME]) ?? stableDbSystemName(a[ATTR_DB_SYSTEM_OLD]),
    a[ATTR_HTTP_REQUEST_METHOD],
    a[ATTR_HTTP_METHOD_OLD],
  );
  if (system === undefined) return undefined;
  let host = stringAttribute(a[ATTR_SERVER_ADDRESS]) ?? stringAttribute(a[ATTR_NET_PEER_NAME_OLD]);
  let port = numberAttribute(a[ATTR_SERVER_PORT]) ?? numberAttribute(a[ATTR_NET_PEER_PORT_OLD]);
  if (host === undefined) {
    // Read only when the span names no server: most DB spans do, and absent keys cost a lookup each.
    const url = a[ATTR_URL_FULL] ?? a[ATTR_HTTP_URL_OLD];
    host = urlHost(url);
    port ??= urlPort(url);
  }
  const namespace = stringAttribute(a[ATTR_DB_NAMESPACE]) ?? stringAttribute(a[ATTR_DB_NAME_OLD]);
  return sourceNameOf(system, host, port, namespace);
}

/**
 * The system a default source name starts with: the database system, else `http` for a span that
 * carries an HTTP method (either attribute, whatever its value), else none (no default name).
 *
 * @param dbSystem - `db.system.name`, or `db.system` mapped to the stable value
 * @param httpMethod - the `http.request.method` attribute
 * @param httpMethodOld - the `http.method` attribute
 */
export function sourceSystemName(dbSystem: string | undefined, httpMethod: unknown, httpMethodOld: unknown): string | undefined {
  return dbSystem ?? (httpMethod !== undefined || httpMethodOld !== undefined ? 'http' : undefined);
}

/** Names remembered by {@link sourceNameOf}: a power of two. */
const NAME_SLOTS = 16;
const namedSystems: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
const namedHosts: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
const namedPorts: Array<number | undefined> = new Array<number | undefined>(NAME_SLOTS).fill(undefined);
const namedNamespaces: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined);
const names: Array<string | undefined> = new Array<string | undefined>(NAME_SLOTS).fill(undefined);

/**
 * {@link defaultSourceName} from its parts, read already: `{system}://{host}[:{port}][/{namespace}]`.
 *
 * The names built lately are kept in a few slots found from the parts' lengths and the port, so
 * that the spans of one source get one string back instead of a new one each: no garbage per span,
 * and the maps the name is looked up in hash it once (a fresh string is hashed on every lookup).
 *
 * @param system - `db.system.name`, or `http`
 * @param host - the server's address
 * @param port - the server's port
 * @param namespace - `db.namespace`
 */
export function sourceNameOf(system: string, host: string | undefined, port: number | undefined, namespace: string | undefined): string {
  const slot =
    (Math.imul(system.length, 31) +
      Math.imul(host === undefined ? 0 : host.length, 7) +
      (port ?? 0) +
      (namespace === undefined ? 0 : namespace.length)) &
    (NAME_SLOTS - 1);
  const remembered = names[slot];
  if (
    remembered !== undefined &&
    namedSystems[slot] === system &&
    namedHosts[slot] === host &&
    namedPorts[slot] === port &&
    namedNamespaces[slot] === namespace
  )
    return remembered;
  let name = `${system}://${host ?? ''}`;
  if (port !== undefined) name += `:${port}`;
  if (namespace !== undefined) name += `/${namespace}`;
  namedSystems[slot] = system;
  namedHosts[slot] = host;
  namedPorts[slot] = port;
  namedNamespaces[slot] = namespace;
  names[slot] = name;
  return name;
}
