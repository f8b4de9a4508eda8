/**
 * Redaction of free text that fedscope writes (span status descriptions, exception events, recent
 * errors, log lines): database error messages echo the values of the statement that failed, and
 * connection errors echo connection strings. Every such text goes through {@link redactMessage}
 * (or {@link redactUnlessRaw}, which honours the `queryText: 'raw'` opt-in), so there is one place
 * that decides what is kept.
 *
 * @module
 */
import type { Exception } from '@opentelemetry/api';
import { defaultQueryTextMode } from './query-text-mode.js';

/** Replaces a quoted literal, a number or a secret. */
const PLACEHOLDER = '?';
/** Longest text redacted; the rest is cut (it bounds the cost, and a longer message helps nobody). */
const MAX_MESSAGE_LENGTH = 8192;
/** Longest stack trace kept on an exception event. */
const MAX_STACK_LENGTH = 16384;
const CUT_MARKER = '…';

/**
 * Key of the telemetry form of an error's message that its maker redacted itself: an error whose
 * message is built from trusted parts around a driver's text (FederationError) keeps its trusted
 * parts readable (part and source names, limits) and has only the driver's text redacted.
 */
export const REDACTED_MESSAGE: unique symbol = Symbol.for('fedscope.redactedMessage');

// userinfo of a URL, up to the last `@` of the run so a password holding `@` or `/` goes too
// (`postgresql://admin:p@ss@host` → `postgresql://host`).
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s'"<>@]*(?:@[^\s'"<>@]*)*@/gi;
// `user:password@host` without a scheme (DSNs, `mysql -u` style dumps).
const BARE_USERINFO = /(^|[\s(=,;[])[^\s:@/'"()=,;[\]]+:[^\s@'"]*@(?=[\w[.-])/g;
// `Authorization: Bearer <token>` and the like.
const AUTH_SCHEME = /\b(Bearer|Basic|Digest|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
// `password=…`, `pwd: …`, `api_key=…`, `client_secret=…`: the value (quoted, or up to a separator).
// MySQL's own `(using password: YES)` says nothing secret and stays readable.
const SECRET_PAIR =
  /\b([\w.-]*?(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|auth|authorization|credentials?)s?)(\s*[=:]\s*)(?!(?:YES|NO)\))("[^"]*"?|'[^']*'?|[^\s;,&]+)/gi;
// PostgreSQL's detail texts echo row values unquoted: `Key (email)=(a@b.c) already exists.`,
// `Failing row contains (1, secret).` — everything up to the last `)` of the line goes.
const PG_KEY_VALUES = /\)=\([^\n]*\)/g;
const PG_FAILING_ROW = /\b(Failing row contains )\([^\n]*\)/gi;
// SQLite names an unknown column unquoted, and an unknown column is often a value that lacked its quotes.
const SQLITE_NO_SUCH_COLUMN = /\b(no such column: )[^\s,;)]+/gi;
// DuckDB quotes the failing statement on a line of its own (`LINE 1: SELECT 'x'::INT`).
const STATEMENT_LINE = /^(LINE \d+: ).*$/gm;
// Where a message echoes statement text or a value without escaping it: `near '…' at line 1`
// (MySQL/MariaDB, the rest of the statement), `at or near "…"`, `near "…": syntax error`,
// `for type integer: "…"`. The echo runs to the LAST matching quote, not the next one.
const ECHO_START = /(\bnear\s+|:\s*)(["'])/g;
// Tokens long enough to be keys (API keys, session ids, JWT parts): letters and digits mixed.
const LONG_TOKEN = /[A-Za-z0-9_+=-]{24,}/g;
// Numbers standing alone (not part of an identifier such as `t1`, `ER_1`, or a placeholder `$1`),
// dotted runs (`127.0.0.1`) included. Kept: `line N`, `HTTP 503` and a SQLSTATE in
// `(code: 42601)` (contrib pg's exception text), which the server or a library wrote, not the data.
const NUMBER = /(?<![\w.$])(?<!\bline |\bHTTP )[-+]?(?:0x[0-9a-f]+|\d+(?:\.\d+)*(?:e[-+]?\d+)?)(?!\w)/gi;
// A stack frame line (`    at fn (file:1:2)`): kept as it is.
const FRAME = /^\s+at\s/;

/**
 * Removes what may be secret from a message: userinfo in URLs and DSNs, `password=…`-like pairs and
 * authorization tokens, quoted strings (`'…'`, `"…"`; backquoted identifiers are kept), values that
 * database messages echo unquoted (PostgreSQL's `Key (…)=(…)`, `Failing row contains (…)`,
 * SQLite's `no such column: …`, the statement on DuckDB's `LINE 1: …`), long key-like tokens, and
 * numbers; each becomes `?`. Error codes
 * spelled as words (`ER_DUP_ENTRY`, `ECONNREFUSED`) and the words of the message stay.
 *
 * Fail safe: an unterminated quote turns the rest of the text into `?`, and where a database echoes
 * text without escaping it (`near '…' at line 1`, `: "…"`) everything up to the last matching
 * quote goes. Texts longer than 8192 characters are cut (ending with `…`). Never throws; non-strings
 * give `''`.
 *
 * @param text - the message, e.g. a driver error's `message`
 * @returns the redacted message
 */
export function redactMessage(text: string): string {
  if (typeof text !== 'string') return '';
  try {
    const bounded = text.length > MAX_MESSAGE_LENGTH ? text.slice(0, MAX_MESSAGE_LENGTH) + CUT_MARKER : text;
    const secretsOut = bounded
      .replace(URL_USERINFO, '$1')
      .replace(BARE_USERINFO, '$1')
      .replace(AUTH_SCHEME, `$1 ${PLACEHOLDER}`)
      .replace(SECRET_PAIR, `$1$2${PLACEHOLDER}`)
      .replace(PG_KEY_VALUES, `)=(${PLACEHOLDER})`)
      .replace(PG_FAILING_ROW, `$1(${PLACEHOLDER})`)
      .replace(SQLITE_NO_SUCH_COLUMN, `$1${PLACEHOLDER}`)
      .replace(STATEMENT_LINE, `$1${PLACEHOLDER}`);
    return redactQuoted(redactEchoes(secretsOut))
      .replace(LONG_TOKEN, (token) => (/\d/.test(token) && /[A-Za-z]/.test(token) ? PLACEHOLDER : token))
      .replace(NUMBER, (number: string, offset: number, whole: string) => (isSqlstateCode(whole, offset) ? number : PLACEHOLDER));
  } catch {
    return PLACEHOLDER;
  }
}

/**
 * {@link redactMessage}, unless the process opted into raw text (`startFedscope({ queryText: 'raw' })`),
 * in which case the text is returned as it is.
 */
export function redactUnlessRaw(text: string): string {
  return defaultQueryTextMode() === 'raw' ? text : redactMessage(text);
}

/**
 * The message of a thrown value as telemetry may record it: the error's own redacted form when its
 * maker set {@link REDACTED_MESSAGE}, else its message through {@link redactMessage}; unredacted in
 * `raw` mode. Never throws.
 */
export function redactedMessageOf(error: unknown): string {
  return defaultQueryTextMode() === 'raw' ? messageOf(error) : redactErrorMessage(error);
}

/**
 * The redacted message of a thrown value whatever the mode: the error's own redacted form when its
 * maker set {@link REDACTED_MESSAGE}, else its message through {@link redactMessage}. For errors
 * that embed another error's message in theirs. Never throws.
 */
export function redactErrorMessage(error: unknown): string {
  return ownRedactedMessage(error) ?? redactMessage(messageOf(error));
}

/**
 * A stack trace with its message redacted and its frames (`    at …` lines) kept. The message is
 * found in the stack and replaced by `redacted` as a whole; what is not a frame elsewhere in the
 * stack (a header the message was not found in, `Caused by` lines) goes through
 * {@link redactMessage}. Bounded to 16384 characters. Never throws.
 *
 * @param stack - the error's `stack`
 * @param message - the error's message as it appears in the stack
 * @param redacted - what replaces it (default: `redactMessage(message)`)
 */
export function redactStack(stack: string, message = '', redacted?: string): string {
  if (typeof stack !== 'string') return '';
  try {
    const bounded = stack.length > MAX_STACK_LENGTH ? stack.slice(0, MAX_STACK_LENGTH) + CUT_MARKER : stack;
    const at = message === '' ? -1 : bounded.indexOf(message);
    if (at < 0) return redactNonFrames(bounded);
    return (
      redactNonFrames(bounded.slice(0, at)) + (redacted ?? redactMessage(message)) + redactNonFrames(bounded.slice(at + message.length))
    );
  } catch {
    return PLACEHOLDER;
  }
}

/**
 * What `span.recordException` should be given for a thrown value: an exception with the same type
 * (`code`, else `name`) and a redacted `message` and `stack` (frames kept). A string is redacted as
 * a message. In `raw` mode the value itself (an `Error`, a string) is returned. Never throws.
 *
 * @param error - the thrown value, or what an instrumentation passed to `recordException`
 */
export function redactedException(error: unknown): Exception {
  try {
    if (typeof error === 'string') return redactUnlessRaw(error);
    if (defaultQueryTextMode() === 'raw') return error instanceof Error ? error : messageOf(error);
    if (typeof error !== 'object' || error === null) return redactMessage(messageOf(error));
    const source = error as { code?: unknown; name?: unknown; message?: unknown; stack?: unknown };
    const message = typeof source.message === 'string' ? source.message : '';
    const redacted = ownRedactedMessage(error) ?? redactMessage(message);
    const exception: { code?: string | number; name?: string; message?: string; stack?: string } = {};
    if (typeof source.code === 'string' || typeof source.code === 'number') exception.code = source.code;
    if (typeof source.name === 'string') exception.name = source.name;
    if (redacted !== '') exception.message = redacted;
    if (typeof source.stack === 'string') exception.stack = redactStack(source.stack, message, redacted);
    if (exception.code === undefined && exception.name === undefined && exception.message === undefined)
      return redactMessage(messageOf(error));
    return exception as Exception;
  } catch {
    return PLACEHOLDER;
  }
}

function messageOf(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string')
      return (error as { message: string }).message;
    return String(error);
  } catch {
    return 'unprintable error';
  }
}

function ownRedactedMessage(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const own = (error as { [REDACTED_MESSAGE]?: unknown })[REDACTED_MESSAGE];
  return typeof own === 'string' ? own : undefined;
}

function redactNonFrames(text: string): string {
  if (text === '') return text;
  const lines = text.split('\n');
  // The header (up to the first frame) is redacted as one text: a quote may span its lines.
  let firstFrame = lines.findIndex((line) => FRAME.test(line));
  if (firstFrame < 0) firstFrame = lines.length;
  const out: string[] = firstFrame > 0 ? [redactMessage(lines.slice(0, firstFrame).join('\n'))] : [];
  for (let i = firstFrame; i < lines.length; i++) {
    const line = lines[i]!;
    out.push(FRAME.test(line) ? line : redactMessage(line));
  }
  return out.join('\n');
}

/** Echoes that run to the last matching quote of their line (or of the text, for MySQL's `near '…' at line N`). */
function redactEchoes(text: string): string {
  let out = '';
  let from = 0;
  ECHO_START.lastIndex = 0;
  for (let match = ECHO_START.exec(text); match !== null; match = ECHO_START.exec(text)) {
    const quote = match[2]!;
    const open = match.index + match[0].length - 1;
    const end = echoEnd(text, open, quote, match[1]!.startsWith('near'));
    out += text.slice(from, open) + PLACEHOLDER;
    from = end;
    ECHO_START.lastIndex = end;
  }
  return out + text.slice(from);
}

/** Index after the closing quote of the echo opened at `open`; the text's end when it has none. */
function echoEnd(text: string, open: number, quote: string, near: boolean): number {
  if (near && quote === "'") {
    const atLine = text.lastIndexOf("' at line ");
    if (atLine > open) return atLine + 1;
  }
  let lineEnd = text.indexOf('\n', open);
  if (lineEnd < 0) lineEnd = text.length;
  const onLine = text.lastIndexOf(quote, lineEnd - 1);
  if (onLine > open) return onLine + 1;
  // No closing quote on the line: the value spans lines, or was never closed.
  const anywhere = text.lastIndexOf(quote);
  return anywhere > open ? anywhere + 1 : text.length;
}

/**
 * Replaces `'…'` and `"…"` strings by `?`. A quote followed by a letter or digit does not close
 * (database messages do not escape the values they echo: `"ab"cd"`), doubled quotes and backslash
 * escapes stay inside, `n't` contractions open nothing, and an unclosed quote runs to the end.
 */
function redactQuoted(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== "'" && c !== '"') continue;
    if (c === "'" && isContraction(text, i)) continue;
    let j = i + 1;
    while (j < text.length) {
      const d = text[j]!;
      if (d === '\\') j += 2;
      else if (d === c && text[j + 1] === c) j += 2;
      else if (d === c && !isWordChar(text[j + 1])) break;
      else j++;
    }
    out += text.slice(from, i) + PLACEHOLDER;
    from = Math.min(j + 1, text.length);
    i = from - 1;
  }
  return out + text.slice(from);
}

function isSqlstateCode(text: string, offset: number): boolean {
  return text.startsWith('(code: ', offset - 7) && /^[0-9A-Z]{5}\)/.test(text.slice(offset, offset + 6));
}

function isContraction(text: string, i: number): boolean {
  return (
    (text[i - 1] === 'n' || text[i - 1] === 'N') &&
    (text[i + 1] === 't' || text[i + 1] === 'T') &&
    !isWordChar(text[i + 2]) &&
    isWordChar(text[i - 2])
  );
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /\w/.test(c);
}
