/**
 * The SQL keywords fedscope recognises (union of PostgreSQL, MySQL/MariaDB, SQLite and DuckDB words
 * that matter for case folding, statement verbs and clause structure), with an allocation-free
 * case-insensitive lookup.
 */

const KEYWORD_LIST = `
ABORT ACTION ADD AFTER AGGREGATE ALGORITHM ALL ALTER ALWAYS ANALYSE ANALYZE AND ANTI ANY ARRAY AS ASC
ASOF ATTACH AUTOINCREMENT AUTO_INCREMENT BEFORE BEGIN BETWEEN BIGINT BINARY BOOLEAN BOTH BY CALL CASCADE
CASE CAST CHAR CHARACTER CHECK CHECKPOINT CLOSE CLUSTER COALESCE COLLATE COLLATION COLUMN COLUMNS COMMENT
COMMIT COMMITTED CONCURRENTLY CONFLICT CONSTRAINT COPY CREATE CROSS CUBE CURRENT CURRENT_DATE
CURRENT_TIME CURRENT_TIMESTAMP CURRENT_USER CURSOR DATABASE DATE DAY DEALLOCATE DECIMAL DECLARE DEFAULT
DEFERRABLE DEFERRED DEFINER DELAYED DELETE DESC DESCRIBE DETACH DISCARD DISTINCT DISTINCTROW DO DOMAIN
DOUBLE DROP DUMPFILE DUPLICATE EACH ELSE END ESCAPE EVENT EXCEPT EXCLUDE EXCLUSIVE EXEC EXECUTE EXISTS
EXPLAIN EXTENSION EXTERNAL EXTRACT FAIL FALSE FETCH FILTER FIRST FLOAT FLUSH FOLLOWING FOR FORCE FOREIGN
FORMAT FREEZE FROM FULL FULLTEXT FUNCTION GENERATED GLOB GLOBAL GRANT GREATEST GROUP GROUPING GROUPS
HAVING HIGH_PRIORITY HOUR IF IGNORE ILIKE IMMEDIATE IN INDEX INNER INSERT INSTALL INSTEAD INT INTEGER
INTERSECT INTERVAL INTO IS ISNULL ISOLATION JOIN JSON KEY KILL LAST LATERAL LEADING LEAST LEFT LEVEL
LIKE LIMIT LISTEN LOAD LOCAL LOCALTIME LOCALTIMESTAMP LOCK LOW_PRIORITY MACRO MATCH MATCHED MATERIALIZED
MERGE MINUTE MONTH MOVE NATURAL NEXT NO NOT NOTHING NOTIFY NOTNULL NOWAIT NULL NULLIF NULLS NUMERIC OF
OFFSET ON ONLY OPTIMIZE OR ORDER OTHERS OUTER OUTFILE OVER OVERRIDING OVERWRITE PARTITION PERSISTENT
PIVOT PLAN POLICY POSITION POSITIONAL PRAGMA PRECEDING PREPARE PRIMARY PROCEDURE PUBLICATION QUALIFY
QUERY QUICK RANGE READ REAL RECURSIVE REFERENCES REFRESH REGEXP REINDEX RELEASE RENAME REPEATABLE
REPLACE RESET RESTRICT RETURN RETURNING RETURNS REVOKE RIGHT RLIKE ROLE ROLLBACK ROLLUP ROW ROWS RULE
SAMPLE SAVEPOINT SCHEMA SECOND SECRET SELECT SEMI SEQUENCE SERIALIZABLE SERVER SESSION SET SETOF SHARE
SHOW SIMILAR SKIP SMALLINT SOME SPATIAL START STDIN STDOUT STRAIGHT_JOIN SUBSCRIPTION SUBSTRING
SUMMARIZE TABLE TABLES TABLESAMPLE TABLESPACE TEMP TEMPORARY TEXT THEN TIES TIME TIMESTAMP TO TOP
TRAILING TRANSACTION TRANSIENT TRIGGER TRIM TRUE TRUNCATE TYPE UNBOUNDED UNION UNIQUE UNKNOWN UNLISTEN
UNLOGGED UNPIVOT UPDATE UPSERT USE USER USING VACUUM VALUES VARCHAR VARIADIC VERBOSE VIEW VIRTUAL WHEN
WHERE WINDOW WITH WITHIN WITHOUT WORK WRITE YEAR ZONE
`;

/** Every recognised keyword, upper case. */
export const SQL_KEYWORDS: ReadonlySet<string> = new Set(KEYWORD_LIST.split(/\s+/).filter((word) => word !== ''));

const MAX_KEYWORD_LENGTH = 20;

/** The upper-case form of an ASCII letter's code; other codes as they are. */
function upperCode(code: number): number {
  return code >= 97 && code <= 122 ? code - 32 : code;
}

/**
 * The keywords filed by (first character, last character, length): a word's bucket is found from
 * two of its characters without hashing it, and most words that are no keyword (identifiers) meet
 * an empty bucket at once. `& 31` folds a letter's case; it also folds digits and `_` onto letters,
 * which only brings candidates the full comparison then refuses.
 */
function bucketOf(first: number, last: number, length: number): number {
  return ((first & 31) << 10) | ((last & 31) << 5) | length;
}

/** `BUCKET_START[b] … BUCKET_START[b + 1]` index the keywords of bucket `b` in {@link BUCKET_WORDS}. */
const BUCKET_START = new Uint16Array((1 << 15) + 1);
const BUCKET_WORDS: string[] = [];
{
  const keyed = [...SQL_KEYWORDS].map((word) => ({
    word,
    bucket: bucketOf(word.charCodeAt(0), word.charCodeAt(word.length - 1), word.length),
  }));
  keyed.sort((a, b) => a.bucket - b.bucket);
  for (const { word, bucket } of keyed) {
    BUCKET_START[bucket + 1]!++;
    BUCKET_WORDS.push(word);
  }
  for (let b = 1; b < BUCKET_START.length; b++) BUCKET_START[b]! += BUCKET_START[b - 1]!;
}

/**
 * The keyword spelled by `text[start, end)`, compared case-insensitively, as its upper-case form;
 * `undefined` when the word is not a recognised keyword. Allocates nothing.
 *
 * @param text - the SQL text
 * @param start - first index of the word
 * @param end - index after the word
 */
export function lookupKeyword(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  if (length <= 0 || length > MAX_KEYWORD_LENGTH) return undefined;
  const bucket = bucketOf(text.charCodeAt(start), text.charCodeAt(end - 1), length);
  const last = BUCKET_START[bucket + 1]!;
  for (let k = BUCKET_START[bucket]!; k < last; k++) {
    const keyword = BUCKET_WORDS[k]!;
    let i = 0;
    while (i < length && upperCode(text.charCodeAt(start + i)) === keyword.charCodeAt(i)) i++;
    if (i === length) return keyword;
  }
  return undefined;
}
