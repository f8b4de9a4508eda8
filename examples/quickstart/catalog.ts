import Database from 'better-sqlite3';
import { REGIONS } from './warehouse.js';

/** An in-memory SQLite "catalog" of the regions: `regions(code, name, currency)`. */
export function openCatalog(): Database.Database {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE regions (code TEXT PRIMARY KEY, name TEXT NOT NULL, currency TEXT NOT NULL)');
  const names: Record<(typeof REGIONS)[number], [string, string]> = {
    emea: ['Europe, Middle East & Africa', 'EUR'],
    amer: ['North America', 'USD'],
    apac: ['Asia Pacific', 'SGD'],
    latam: ['Latin America', 'BRL'],
  };
  const insert = db.prepare('INSERT INTO regions VALUES (?, ?, ?)');
  for (const code of REGIONS) insert.run(code, ...names[code]);
  return db;
}
