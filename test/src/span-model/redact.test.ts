// The one redactor of free text fedscope records: a corpus of real error texts (captured from
// PostgreSQL 15, MariaDB 10.11, and produced live by DuckDB and SQLite), connection strings, and
// the edge cases of quoting, each checked for the secret it carries and for what must stay readable.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { setDefaultQueryTextMode } from '../../../src/span-model/query-text-mode.js';
import {
  REDACTED_MESSAGE,
  redactedException,
  redactedMessageOf,
  redactErrorMessage,
  redactMessage,
  redactStack,
  redactUnlessRaw,
} from '../../../src/span-model/redact.js';

const require = createRequire(import.meta.url);

afterEach(() => setDefaultQueryTextMode('sanitized'));

/** [message, secrets it must lose, what it becomes]. */
type Case = [string, string[], string];

// Texts as the servers wrote them (pg `error.message`, mysql2 `error.message`, pg `error.detail`).
const postgres: Case[] = [
  ['invalid input syntax for type integer: "castsecret"', ['castsecret'], 'invalid input syntax for type integer: ?'],
  // PostgreSQL does not escape the value it echoes.
  ['invalid input syntax for type integer: "ab"cd"', ['ab', 'cd'], 'invalid input syntax for type integer: ?'],
  ['unterminated quoted string at or near "\'unterminatedsecret"', ['unterminatedsecret'], 'unterminated quoted string at or near ?'],
  ['unterminated quoted string at or near "E\'esc\\\'secret"', ['esc', 'secret'], 'unterminated quoted string at or near ?'],
  ['unterminated dollar-quoted string at or near "$$dollarsecret"', ['dollarsecret'], 'unterminated dollar-quoted string at or near ?'],
  ['invalid input syntax for type date: "2024-13-45secret"', ['2024', '45secret'], 'invalid input syntax for type date: ?'],
  ['invalid input syntax for type uuid: "not-a-uuid-secret"', ['uuid-secret'], 'invalid input syntax for type uuid: ?'],
  // A value that lacked its single quotes becomes a column name.
  ['column "hunter2" does not exist', ['hunter2'], 'column ? does not exist'],
  ['duplicate key value violates unique constraint "tt_email_key"', ['tt_email_key'], 'duplicate key value violates unique constraint ?'],
  ['Key (email)=(dupe@example.com) already exists.', ['dupe@example.com'], 'Key (email)=(?) already exists.'],
  ['Failing row contains (7, checksecret@example.com, -5).', ['checksecret', '-5'], 'Failing row contains (?).'],
  ['password authentication failed for user "postgres"', ['"postgres"'], 'password authentication failed for user ?'],
  ["PostgreSQL error of type 'error' occurred (code: 23505)", [], 'PostgreSQL error of type ? occurred (code: 23505)'],
];

const mariadb: Case[] = [
  ["Duplicate entry 'dupe@example.com' for key 'email'", ['dupe@example.com'], 'Duplicate entry ? for key ?'],
  [
    "Incorrect integer value: 'castsecret' for column `test`.`tt`.`n` at row 1",
    ['castsecret'],
    'Incorrect integer value: ? for column `test`.`tt`.`n` at row ?',
  ],
  // MariaDB quotes the rest of the statement without escaping it: the echo runs to `' at line N`.
  [
    "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''unterminatedsecret' at line 1",
    ['unterminatedsecret'],
    'You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ? at line 1',
  ],
  [
    "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ''secretx\n  AND note = 'it''s' AND pin = 4321' at line 2",
    ['secretx', 'it', '4321'],
    'You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near ? at line 2',
  ],
  ["Unknown column 'hunter2' in 'WHERE'", ['hunter2'], 'Unknown column ? in ?'],
  ["Access denied for user 'nobody'@'localhost' (using password: YES)", ['nobody'], 'Access denied for user ?@? (using password: YES)'],
  ["Can't connect to MySQL server on '10.1.2.3' (111)", ['10.1.2.3', '111'], "Can't connect to MySQL server on ? (?)"],
  ['CONSTRAINT `tt.amount` failed for `test`.`tt`', [], 'CONSTRAINT `tt.amount` failed for `test`.`tt`'],
  ['connect ECONNREFUSED 127.0.0.1:3306', ['127.0.0.1', '3306'], 'connect ECONNREFUSED ?:?'],
];

const duckdbAndSqlite: Case[] = [
  [
    "Conversion Error: Could not convert string 'castsecret' to INT32\n\nLINE 1: SELECT 'castsecret'::INT\n                           ^",
    ['castsecret'],
    'Conversion Error: Could not convert string ? to INT32\n\nLINE 1: ?\n                           ^',
  ],
  [
    'Constraint Error: Duplicate key "email: dupe@example.com" violates unique constraint.',
    ['dupe@example.com'],
    'Constraint Error: Duplicate key ? violates unique constraint.',
  ],
  [
    'Binder Error: Referenced column "hunter2" was not found because the FROM clause is missing\n\nLINE 1: SELECT hunter2 FROM x\n               ^',
    ['hunter2'],
    'Binder Error: Referenced column ? was not found because the FROM clause is missing\n\nLINE 1: ?\n               ^',
  ],
  ['unrecognized token: "\'unterminatedsecret"', ['unterminatedsecret'], 'unrecognized token: ?'],
  ['no such column: hunter2', ['hunter2'], 'no such column: ?'],
  ['near "hunter2": syntax error', ['hunter2'], 'near ?: syntax error'],
  ['CHECK constraint failed: amount > 1000', ['1000'], 'CHECK constraint failed: amount > ?'],
  ['UNIQUE constraint failed: t.email', [], 'UNIQUE constraint failed: t.email'],
];

const connections: Case[] = [
  [
    'could not connect to postgresql://admin:S3cretPw@db.internal:5432/app',
    ['admin', 'S3cretPw'],
    'could not connect to postgresql://db.internal:?/app',
  ],
  // A password with `@` and `/` that was never percent-encoded.
  [
    'could not connect to postgres://admin:p@ss/w@rd@db.internal/app',
    ['p@ss', 'w@rd', 'ss/w'],
    'could not connect to postgres://db.internal/app',
  ],
  ['mysql://root:hunter2@127.0.0.1/test refused', ['hunter2'], 'mysql://?/test refused'],
  ['dial admin:S3cretPw@db.internal:5432 refused', ['S3cretPw', 'admin'], 'dial db.internal:? refused'],
  ['host=db user=app password=S3cretPw dbname=shop', ['S3cretPw'], 'host=db user=app password=? dbname=shop'],
  ["options { password: 'S3 cret', user: 'app' }", ['S3 cret', 'app'], 'options { password: ?, user: ? }'],
  [
    'GET https://api.example.com/v1/items?api_key=k3y&client_secret=s3c failed',
    ['k3y', 's3c'],
    'GET https://api.example.com/v1/items?api_key=?&client_secret=? failed',
  ],
  [
    'HTTP 401 from https://api.example.com/items (Authorization: Bearer abcdefgh12345678)',
    ['abcdefgh12345678'],
    'HTTP 401 from https://api.example.com/items (Authorization: ? ?)',
  ],
  ['rejected key sk_live_51HxYzAbCdEf0123456789xyz', ['sk_live_51HxYzAbCdEf0123456789xyz'], 'rejected key ?'],
];

const edges: Case[] = [
  ['', [], ''],
  // An apostrophe that is no `n't` opens a quote: more goes than needed, nothing leaks.
  ["it's 'alpha' \"bravo\" 'char''lie' e", ['alpha', 'bravo', 'char', 'lie'], 'it? ? ? e'],
  ["doesn't exist: table 'xsecret'", ['xsecret'], "doesn't exist: table ?"],
  ["won't retry 'secret' twice", ['secret'], "won't retry ? twice"],
  ["escaped 'alpha\\'bravo' end", ['alpha', 'bravo'], 'escaped ? end'],
  ["unclosed 'rest of the secret text", ['secret'], 'unclosed ?'],
  [
    'numbers -42, 3.14, 1e9, 0xff, 2024-01-01, 10:30:00 and t1, ER_1, $1',
    ['42', '3.14', '1e9', '0xff', '2024', '10', '30'],
    'numbers ?, ?, ?, ?, ?-?-?, ?:?:? and t1, ER_1, $1',
  ],
  ['WHERE id IN (1001, 1002, 1003)', ['1001', '1002', '1003'], 'WHERE id IN (?, ?, ?)'],
  ['HTTP 503 from http://127.0.0.1:8080/vip', ['127.0.0.1', '8080'], 'HTTP 503 from http://?:?/vip'],
];

function check([message, secrets, expected]: Case): void {
  const redacted = redactMessage(message);
  for (const secret of secrets) expect(redacted, `${secret} in ${JSON.stringify(redacted)}`).not.toContain(secret);
  expect(redacted).toBe(expected);
}

describe('redactMessage', () => {
  it.each(postgres)('PostgreSQL: %j', (...c) => check(c));
  it.each(mariadb)('MariaDB: %j', (...c) => check(c));
  it.each(duckdbAndSqlite)('DuckDB / SQLite: %j', (...c) => check(c));
  it.each(connections)('connection strings and credentials: %j', (...c) => check(c));
  it.each(edges)('edge case: %j', (...c) => check(c));

  it('redacts what DuckDB and SQLite throw for statements carrying secrets, live', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const Database = require('better-sqlite3') as typeof import('better-sqlite3');
    const messages: string[] = [];
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const sqlite = new Database(':memory:');
    try {
      await duck.run('CREATE TABLE t (email VARCHAR UNIQUE, amount INT CHECK (amount > 0))');
      await duck.run("INSERT INTO t VALUES ('duck-dupe@example.com', 1)");
      for (const sql of [
        "SELECT 'duckcastsecret'::INT",
        "SELECT 'duckunterminated",
        "INSERT INTO t VALUES ('duck-dupe@example.com', 2)",
        'SELECT duckident FROM t',
      ]) {
        await duck.run(sql).then(
          () => messages.push('no error'),
          (error: Error) => messages.push(error.message),
        );
      }
      sqlite.exec('CREATE TABLE t (email TEXT UNIQUE)');
      for (const sql of ["SELECT 'sqliteunterminated", 'SELECT sqliteident', "SELECT x'zzsecret'"]) {
        try {
          sqlite.exec(sql);
          messages.push('no error');
        } catch (error) {
          messages.push((error as Error).message);
        }
      }
    } finally {
      duck.closeSync();
      sqlite.close();
    }
    expect(messages).not.toContain('no error');
    const raw = messages.join('\n');
    const redacted = messages.map(redactMessage).join('\n');
    for (const secret of [
      'duckcastsecret',
      'duckunterminated',
      'duck-dupe@example.com',
      'duckident',
      'sqliteunterminated',
      'sqliteident',
      'zzsecret',
    ]) {
      expect(raw).toContain(secret); // the engines echo it…
      expect(redacted).not.toContain(secret); // …and the redactor removes it
    }
    expect(redacted).toContain('Conversion Error');
  });

  it('cuts very long texts and never throws on odd input', () => {
    const long = `x ${'a'.repeat(20_000)}`;
    expect(redactMessage(long).length).toBeLessThanOrEqual(8193);
    expect(redactMessage(long).endsWith('…')).toBe(true);
    expect(redactMessage(undefined as unknown as string)).toBe('');
    expect(redactMessage(42 as unknown as string)).toBe('');
    expect(redactMessage(`'${"\\'".repeat(5000)}`)).toBe('?');
  });
});

describe('redactUnlessRaw and the raw opt-in', () => {
  it('redacts by default and returns the text as it is in raw mode', () => {
    const text = "Duplicate entry 'dupe@example.com' for key 'email'";
    expect(redactUnlessRaw(text)).toBe('Duplicate entry ? for key ?');
    setDefaultQueryTextMode('off');
    expect(redactUnlessRaw(text)).toBe('Duplicate entry ? for key ?');
    setDefaultQueryTextMode('raw');
    expect(redactUnlessRaw(text)).toBe(text);
  });
});

describe('redactStack', () => {
  it('redacts the message and keeps the frames', () => {
    const error = new Error('invalid input syntax for type integer: "castsecret"');
    const stack = redactStack(error.stack!, error.message);
    expect(stack).not.toContain('castsecret');
    expect(stack.split('\n')[0]).toBe('Error: invalid input syntax for type integer: ?');
    const frames = error.stack!.split('\n').slice(1);
    expect(frames.length).toBeGreaterThan(0);
    expect(stack.split('\n').slice(1)).toEqual(frames);
  });

  it('redacts a multi-line message as one text, and a header it cannot find the message in', () => {
    const message = "near 'first line\nsecond secretline' at line 1";
    const stack = `Error: ${message}\n    at f (file:///app/x.js:10:5)`;
    expect(redactStack(stack, message)).toBe('Error: near ? at line 1\n    at f (file:///app/x.js:10:5)');
    expect(redactStack(stack, 'a message that was changed later')).toBe('Error: near ? at line 1\n    at f (file:///app/x.js:10:5)');
    expect(redactStack(`${stack}\nCaused by: 'cause secret'\n    at g (y.js:1:1)`, message)).toBe(
      'Error: near ? at line 1\n    at f (file:///app/x.js:10:5)\nCaused by: ?\n    at g (y.js:1:1)',
    );
  });
});

describe('redactedException and redactedMessageOf', () => {
  it('keeps the type (code, else name) and redacts message and stack', () => {
    const error = Object.assign(new Error("Duplicate entry 'dupe@example.com' for key 'email'"), { code: 'ER_DUP_ENTRY' });
    const exception = redactedException(error) as { code?: string; name?: string; message?: string; stack?: string };
    expect(exception).toMatchObject({ code: 'ER_DUP_ENTRY', name: 'Error', message: 'Duplicate entry ? for key ?' });
    expect(exception.stack).toMatch(/^Error: Duplicate entry \? for key \?\n\s+at /);
    expect(JSON.stringify(exception)).not.toContain('dupe@example.com');
    // The thrown error itself is untouched.
    expect(error.message).toBe("Duplicate entry 'dupe@example.com' for key 'email'");
    expect(redactedException("thrown 'string secret'")).toBe('thrown ?');
    expect(redactedException({ message: 'obj "secret"' })).toEqual({ message: 'obj ?' });
    expect(redactedException(12345)).toBe('?');
  });

  it("honours an error's own redacted form (REDACTED_MESSAGE) and the raw mode", () => {
    const error = Object.assign(new Error("part 'orders': source 'pg' failed: invalid input syntax for type integer: \"castsecret\""), {
      [REDACTED_MESSAGE]: "part 'orders': source 'pg' failed: invalid input syntax for type integer: ?",
    });
    expect(redactedMessageOf(error)).toBe("part 'orders': source 'pg' failed: invalid input syntax for type integer: ?");
    expect(redactErrorMessage(error)).toBe("part 'orders': source 'pg' failed: invalid input syntax for type integer: ?");
    const exception = redactedException(error) as { message?: string; stack?: string };
    expect(exception.message).toBe("part 'orders': source 'pg' failed: invalid input syntax for type integer: ?");
    expect(exception.stack?.split('\n')[0]).toBe("Error: part 'orders': source 'pg' failed: invalid input syntax for type integer: ?");
    expect(redactedMessageOf(new Error('plain "secret"'))).toBe('plain ?');
    setDefaultQueryTextMode('raw');
    expect(redactedMessageOf(error)).toBe(error.message);
    expect(redactedException(error)).toBe(error);
    expect(redactErrorMessage(error)).toBe("part 'orders': source 'pg' failed: invalid input syntax for type integer: ?");
  });
});
