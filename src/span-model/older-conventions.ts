/**
 * Client spans in the older semantic conventions: what the stable names' values are when a span
 * carries only the pre-stable ones (`db.system`, `net.peer.name`, `http.url`, …), as the Java agent
 * 1.x, Python's instrumentations and older Node ones still send them. Stable names win when a span
 * has both; callers read the stable attribute first and fall back to these.
 *
 * `net.sock.peer.addr` (the socket's peer IP) is deliberately not a fallback for `server.address`:
 * it names one connection's endpoint, which differs per pooled connection behind DNS round robin or
 * a proxy, so it would split one logical server into many sources; the stable reading does not fall
 * back to its successor `network.peer.address` either.
 *
 * @module
 */
import { stringAttribute } from './attribute-readers.js';

/** Older `db.system` values that `db.system.name` renamed; the others kept their value. */
const RENAMED_DB_SYSTEMS: ReadonlyMap<string, string> = new Map([
  ['mssql', 'microsoft.sql_server'],
  ['oracle', 'oracle.db'],
  ['db2', 'ibm.db2'],
  ['cosmosdb', 'azure.cosmosdb'],
  ['dynamodb', 'aws.dynamodb'],
  ['redshift', 'aws.redshift'],
  ['spanner', 'gcp.spanner'],
  ['h2', 'h2database'],
  ['hanadb', 'sap.hana'],
  ['maxdb', 'sap.maxdb'],
  ['adabas', 'softwareag.adabas'],
  ['firebird', 'firebirdsql'],
  ['informix', 'ibm.informix'],
  ['netezza', 'ibm.netezza'],
  ['ingres', 'actian.ingres'],
  ['intersystems_cache', 'intersystems.cache'],
  ['cache', 'intersystems.cache'],
]);

/**
 * The `db.system.name` value of an older `db.system` value, so that a service on the older
 * conventions and one on the stable ones name the same database system alike: `mssql` becomes
 * `microsoft.sql_server`, `oracle` becomes `oracle.db`; `postgresql`, `mysql`, `mariadb`, `sqlite`
 * and the other unchanged values stay as they are.
 *
 * @param value - the span's `db.system` attribute (anything but a string gives undefined)
 */
export function stableDbSystemName(value: unknown): string | undefined {
  const system = stringAttribute(value);
  if (system === undefined) return undefined;
  return RENAMED_DB_SYSTEMS.get(system) ?? system;
}

/**
 * Scheme, optional credentials (never kept), host (a bracketed IPv6 address or a name) and port
 * of an absolute URL; a regular expression rather than `new URL`, which is slower and throws.
 */
const URL_AUTHORITY = /^[a-z][a-z\d+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]/?#]*\]|[^:/?#]*)(?::(\d{1,5}))?(?:[/?#]|$)/i;

/**
 * The host of an absolute URL (`url.full`, or the older `http.url`): what `server.address` is
 * when a client span does not say. Lower-cased, without brackets around an IPv6 address and
 * without any credentials; undefined when the value is no absolute URL with a host.
 *
 * @param url - the attribute's value
 */
export function urlHost(url: unknown): string | undefined {
  if (typeof url !== 'string') return undefined;
  const host = URL_AUTHORITY.exec(url)?.[1];
  if (host === undefined || host === '' || host === '[]') return undefined;
  return (host.startsWith('[') ? host.slice(1, -1) : host).toLowerCase();
}

/**
 * The explicit port of an absolute URL (`https://crm:8443/x` gives 8443); undefined when the URL
 * names none (the scheme's default port is not guessed) or is not an absolute URL.
 *
 * @param url - the attribute's value
 */
export function urlPort(url: unknown): number | undefined {
  if (typeof url !== 'string') return undefined;
  const port = URL_AUTHORITY.exec(url)?.[2];
  if (port === undefined) return undefined;
  const value = Number(port);
  return value >= 1 && value <= 65535 ? value : undefined;
}
