import { context, metrics, type Attributes, type BatchObservableCallback, type Observable } from '@opentelemetry/api';
import { fedscopeLog } from '../../src/diagnostics/fedscope-log.js';
import { suppressTracing } from '@opentelemetry/core';
import { ATTR_DB_COLLECTION_NAME, ATTR_DB_NAMESPACE, ATTR_DB_SYSTEM_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_FEDERATION_SOURCE, DB_SYSTEM_NAME_VALUE_DUCKDB } from '../../src/span-model/attributes.js';
import { errorMessageOf } from '../../src/span-model/error-type.js';
import { redactUnlessRaw } from '../../src/span-model/redact.js';
import { FEDSCOPE_VERSION } from '../../src/version.js';
import { parseDuckDBByteSize } from './byte-size-text.js';
import { DUCKDB_INSTRUMENTATION_NAME } from './instrumentation.js';
import type { DuckDBConnectable, DuckDBObserver, DuckDBObserverStats, DuckDBQueryable, ObserveDuckDBOptions } from './types.js';

/** Size of each attached database's blocks (`block_size × total_blocks` of `pragma_database_size()`). */
export const METRIC_DUCKDB_DATABASE_SIZE = 'federation.duckdb.database.size';
/** Size of each attached database's write-ahead log. */
export const METRIC_DUCKDB_WAL_SIZE = 'federation.duckdb.wal.size';
/** Memory DuckDB's buffer manager holds (sum of `duckdb_memory().memory_usage_bytes`). */
export const METRIC_DUCKDB_MEMORY_USAGE = 'federation.duckdb.memory.usage';
/** DuckDB's memory limit (`memory_limit`). */
export const METRIC_DUCKDB_MEMORY_LIMIT = 'federation.duckdb.memory.limit';
/** Bytes spilled to temporary storage (sum of `duckdb_memory().temporary_storage_bytes`). */
export const METRIC_DUCKDB_TEMPORARY_STORAGE = 'federation.duckdb.temporary_storage.usage';
/** Number of user tables (all of them, also those beyond `maxTables`). */
export const METRIC_DUCKDB_TABLES = 'federation.duckdb.tables';
/** Estimated rows per table (`duckdb_tables().estimated_size`; deleted rows count until a checkpoint). */
export const METRIC_DUCKDB_TABLE_ROWS = 'federation.duckdb.table.rows';
/** Estimated bytes per table of a file database (distinct blocks of `pragma_storage_info` × block size). */
export const METRIC_DUCKDB_TABLE_SIZE = 'federation.duckdb.table.size';
/** Readings of DuckDB's figures that failed. */
export const METRIC_DUCKDB_OBSERVER_FAILURES = 'fedscope.duckdb.observer.failures';

const DEFAULT_INTERVAL_MS = 30_000;
const MIN_INTERVAL_MS = 100;
const DEFAULT_MAX_TABLES = 50;
const MAX_MAX_TABLES = 10_000;

/** One reading of DuckDB's figures; gauges report the latest. */
interface Reading {
  databases: Array<{ namespace: string; size: number | undefined; wal: number | undefined }>;
  memoryUsage: number | undefined;
  memoryLimit: number | undefined;
  temporaryStorage: number | undefined;
  tableCount: number | undefined;
  tables: Array<{ namespace: string; collection: string; rows: number | undefined; bytes: number | undefined }>;
}

/**
 * Exports DuckDB's own figures as observable gauges: database and WAL size per attached database,
 * memory in use and its limit, temporary storage, the table count, and per table (the largest
 * `maxTables` by rows) estimated rows and, for file databases, estimated bytes. Every series has
 * `federation.source` and `db.system.name` = `duckdb`; per-database ones `db.namespace`; per-table
 * ones `db.collection.name` (`schema.table`).
 *
 * The figures come from `pragma_database_size()`, `duckdb_memory()`, `duckdb_tables()` and
 * `pragma_storage_info()`, read on an unref'd timer, never in the query path and with tracing
 * suppressed (the readings make no spans). A failed reading is counted
 * (`fedscope.duckdb.observer.failures`, `stats.failures`) and logged once, never thrown; gauges keep
 * the last good figures.
 *
 * @param target - a `DuckDBInstance` (preferred: a connection of its own is opened, so readings never
 *   queue behind the application's statements) or a `DuckDBConnection`
 * @param options - source label, interval, table bound, meter provider
 * @throws RangeError when `intervalMs` or `maxTables` is not a valid bound
 */
export function observeDuckDB(target: DuckDBQueryable | DuckDBConnectable, options: ObserveDuckDBOptions = {}): DuckDBObserver {
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
  if (typeof intervalMs !== 'number' || !Number.isFinite(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
    throw new RangeError(`observeDuckDB: intervalMs must be a number of milliseconds >= ${MIN_INTERVAL_MS}, got ${String(intervalMs)}`);
  }
  const maxTables = options.maxTables ?? DEFAULT_MAX_TABLES;
  if (!Number.isInteger(maxTables) || maxTables < 0 || maxTables > MAX_MAX_TABLES) {
    throw new RangeError(`observeDuckDB: maxTables must be an integer from 0 to ${MAX_MAX_TABLES}, got ${String(maxTables)}`);
  }
  const isConnection = typeof (target as Partial<DuckDBQueryable>).runAndReadAll === 'function';
  if (!isConnection && typeof (target as Partial<DuckDBConnectable>).connect !== 'function') {
    throw new TypeError('observeDuckDB: target must be a DuckDBInstance or a DuckDBConnection');
  }

  const stats: DuckDBObserverStats = { readings: 0, failures: 0, skipped: 0, lastError: undefined };
  let ownConnection: (DuckDBQueryable & { closeSync?(): void; disconnectSync?(): void }) | undefined;
  let connecting: Promise<DuckDBQueryable> | undefined;
  let source = options.source;
  let latest: Reading | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  const connection = (): Promise<DuckDBQueryable> => {
    if (isConnection) return Promise.resolve(target as DuckDBQueryable);
    connecting ??= (target as DuckDBConnectable).connect().then(
      (opened) => {
        ownConnection = opened;
        if (stopped) closeOwnConnection();
        return opened;
      },
      (error: unknown) => {
        // Try again at the next reading.
        connecting = undefined;
        throw error;
      },
    );
    return connecting;
  };
  const closeOwnConnection = (): void => {
    try {
      if (ownConnection?.disconnectSync) ownConnection.disconnectSync();
      else ownConnection?.closeSync?.();
    } catch (error) {
      fedscopeLog.debug('closing the DuckDB observer connection failed', error);
    }
    ownConnection = undefined;
  };
  const fail = (error: unknown): void => {
    stats.failures++;
    stats.lastError = redactUnlessRaw(errorMessageOf(error));
    // Log the first failure, then rarely: a broken database must not flood the logs.
    fedscopeLog.warn('reading DuckDB figures failed', error);
  };

  const read = async (): Promise<void> => {
    const conn = await connection();
    if (stopped) return;
    const rows = (sql: string): Promise<Record<string, unknown>[]> =>
      // Suppressed: the observer's own statements must not show up as source calls.
      context.with(suppressTracing(context.active()), () => conn.runAndReadAll(sql)).then((reader) => reader.getRowObjectsJS());
    if (source === undefined) {
      const [row] = await rows('SELECT current_database() AS name');
      const name = row?.['name'];
      source = `duckdb:${typeof name === 'string' ? name : 'unknown'}`;
    }
    const sizes = await rows('SELECT database_name, block_size, total_blocks, wal_size, memory_limit FROM pragma_database_size()');
    const memory = await rows('SELECT sum(memory_usage_bytes) AS used, sum(temporary_storage_bytes) AS temporary FROM duckdb_memory()');
    const tables =
      maxTables > 0
        ? await rows(
            'SELECT database_name, schema_name, table_name, estimated_size, count(*) OVER () AS total FROM duckdb_tables() ' +
              `WHERE NOT internal ORDER BY estimated_size DESC, database_name, schema_name, table_name LIMIT ${maxTables}`,
          )
        : await rows('SELECT count(*) AS total FROM duckdb_tables() WHERE NOT internal');
    const blockSizes = new Map<string, number>();
    const reading: Reading = {
      databases: sizes.map((row) => {
        const namespace = String(row['database_name']);
        const blockSize = toNumber(row['block_size']);
        if (blockSize !== undefined && blockSize > 0) blockSizes.set(namespace, blockSize);
        const blocks = toNumber(row['total_blocks']);
        return {
          namespace,
          size: blockSize !== undefined && blocks !== undefined ? blockSize * blocks : undefined,
          wal: parseDuckDBByteSize(row['wal_size']),
        };
      }),
      memoryUsage: toNumber(memory[0]?.['used']),
      memoryLimit: parseDuckDBByteSize(sizes[0]?.['memory_limit']),
      temporaryStorage: toNumber(memory[0]?.['temporary']),
      tableCount: tables.length > 0 ? toNumber(tables[0]?.['total']) : 0,
      tables: [],
    };
    if (maxTables > 0) {
      for (const row of tables) {
        const namespace = String(row['database_name']);
        const schema = String(row['schema_name']);
        const table = String(row['table_name']);
        let bytes: number | undefined;
        const blockSize = blockSizes.get(namespace);
        // In-memory tables have no blocks; names with quotes cannot be passed to pragma_storage_info.
        if (options.tableBytes !== false && blockSize !== undefined && ![namespace, schema, table].some((part) => part.includes('"'))) {
          try {
            const literal = `"${namespace}"."${schema}"."${table}"`.replaceAll("'", "''");
            const [info] = await rows(
              `SELECT count(DISTINCT block_id) AS blocks FROM pragma_storage_info('${literal}') WHERE block_id >= 0`,
            );
            const blocks = toNumber(info?.['blocks']);
            if (blocks !== undefined) bytes = blocks * blockSize;
          } catch (error) {
            // A table dropped between the two statements: count it, keep the rest of the reading.
            fail(error);
          }
        }
        reading.tables.push({ namespace, collection: `${schema}.${table}`, rows: toNumber(row['estimated_size']), bytes });
      }
    }
    latest = reading;
    stats.readings++;
  };

  const refresh = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    if (running) return running;
    running = read()
      .catch(fail)
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const meter = (options.meterProvider ?? metrics).getMeter(DUCKDB_INSTRUMENTATION_NAME, FEDSCOPE_VERSION);
  const databaseSize = meter.createObservableGauge(METRIC_DUCKDB_DATABASE_SIZE, {
    description: 'Size of a DuckDB database file (its blocks).',
    unit: 'By',
  });
  const walSize = meter.createObservableGauge(METRIC_DUCKDB_WAL_SIZE, {
    description: 'Size of a DuckDB database write-ahead log.',
    unit: 'By',
  });
  const memoryUsage = meter.createObservableGauge(METRIC_DUCKDB_MEMORY_USAGE, {
    description: "Memory held by DuckDB's buffer manager.",
    unit: 'By',
  });
  const memoryLimit = meter.createObservableGauge(METRIC_DUCKDB_MEMORY_LIMIT, { description: 'DuckDB memory_limit setting.', unit: 'By' });
  const temporaryStorage = meter.createObservableGauge(METRIC_DUCKDB_TEMPORARY_STORAGE, {
    description: 'Bytes DuckDB spilled to temporary storage.',
    unit: 'By',
  });
  const tableCount = meter.createObservableGauge(METRIC_DUCKDB_TABLES, {
    description: 'User tables in the DuckDB instance.',
    unit: '{table}',
  });
  const tableRows = meter.createObservableGauge(METRIC_DUCKDB_TABLE_ROWS, {
    description: 'Estimated rows of a DuckDB table.',
    unit: '{row}',
  });
  const tableSize = meter.createObservableGauge(METRIC_DUCKDB_TABLE_SIZE, {
    description: 'Estimated bytes of a DuckDB table (file databases).',
    unit: 'By',
  });
  const failures = meter.createObservableCounter(METRIC_DUCKDB_OBSERVER_FAILURES, {
    description: 'Failed readings of DuckDB figures.',
    unit: '{reading}',
  });
  const observables: Observable[] = [
    databaseSize,
    walSize,
    memoryUsage,
    memoryLimit,
    temporaryStorage,
    tableCount,
    tableRows,
    tableSize,
    failures,
  ];

  const callback: BatchObservableCallback = (result) => {
    const base: Attributes = { [ATTR_DB_SYSTEM_NAME]: DB_SYSTEM_NAME_VALUE_DUCKDB, [ATTR_FEDERATION_SOURCE]: source ?? 'duckdb' };
    result.observe(failures, stats.failures, base);
    const reading = latest;
    if (!reading) return;
    const observe = (gauge: Observable, value: number | undefined, attributes: Attributes): void => {
      if (value !== undefined && Number.isFinite(value)) result.observe(gauge, value, attributes);
    };
    for (const db of reading.databases) {
      const attributes = { ...base, [ATTR_DB_NAMESPACE]: db.namespace };
      observe(databaseSize, db.size, attributes);
      observe(walSize, db.wal, attributes);
    }
    observe(memoryUsage, reading.memoryUsage, base);
    observe(memoryLimit, reading.memoryLimit, base);
    observe(temporaryStorage, reading.temporaryStorage, base);
    observe(tableCount, reading.tableCount, base);
    for (const table of reading.tables) {
      const attributes = { ...base, [ATTR_DB_NAMESPACE]: table.namespace, [ATTR_DB_COLLECTION_NAME]: table.collection };
      observe(tableRows, table.rows, attributes);
      observe(tableSize, table.bytes, attributes);
    }
  };
  meter.addBatchObservableCallback(callback, observables);

  const timer = setInterval(() => {
    if (running) stats.skipped++;
    else void refresh();
  }, intervalMs);
  timer.unref();
  void refresh();

  return {
    refresh,
    stats,
    stop: () => {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      meter.removeBatchObservableCallback(callback, observables);
      // Close once any reading in flight is done with the connection.
      void (running ?? Promise.resolve()).finally(closeOwnConnection);
    },
  };
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}
