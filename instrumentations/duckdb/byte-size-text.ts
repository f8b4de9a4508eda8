const UNITS: Readonly<Record<string, number>> = {
  bytes: 1,
  byte: 1,
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  pb: 1e15,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
  pib: 2 ** 50,
};

/**
 * Parses a size as DuckDB prints it (`pragma_database_size()`'s `wal_size`, `memory_limit`:
 * `"0 bytes"`, `"300.0 KiB"`, `"18.8 GiB"`) into bytes; undefined for anything else (`"-"`, …).
 */
export function parseDuckDBByteSize(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text);
  if (!match) return undefined;
  const factor = UNITS[match[2]!.toLowerCase()];
  if (factor === undefined) return undefined;
  return Math.round(Number(match[1]) * factor);
}
