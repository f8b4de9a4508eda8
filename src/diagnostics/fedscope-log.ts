/**
 * fedscope's own diagnostics: one line per problem on stderr (never stdout), at the level
 * `OTEL_LOG_LEVEL` asks for (warn by default), each distinct problem at most once per interval with
 * the repeats in between counted. Every line is also handed to the OpenTelemetry `diag` logger, so
 * a user who registered one sees it there too.
 *
 * Ground module: it imports nothing of fedscope's above `src/span-model`, so processors and
 * instrumentations may use it.
 */
import { diag } from '@opentelemetry/api';
import { redactMessage } from '../span-model/redact.js';

/** Levels of fedscope's diagnostics, most severe first. */
export type FedscopeLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'verbose';

/** A threshold: `none` writes nothing, `all` everything. */
export type FedscopeLogThreshold = 'none' | FedscopeLogLevel | 'all';

const RANK: Readonly<Record<FedscopeLogThreshold, number>> = { none: 0, error: 1, warn: 2, info: 3, debug: 4, verbose: 5, all: 6 };

/** The values `OTEL_LOG_LEVEL` takes (case-insensitive), as the OTel SDKs read it. */
export const OTEL_LOG_LEVEL_VALUES: readonly string[] = ['NONE', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'VERBOSE', 'ALL'];

/** Default interval between two lines of one problem. */
export const DEFAULT_REPEAT_INTERVAL_MS = 60_000;

/** Default bound on the problems remembered for rate limiting. */
export const DEFAULT_MAX_PROBLEMS = 256;

/** Options of a {@link FedscopeLog}. */
export interface FedscopeLogOptions {
  /** Where a line goes (without its newline). @default `process.stderr.write(line + '\n')` */
  write?: (line: string) => void;
  /** Epoch milliseconds. @default `Date.now` */
  now?: () => number;
  /** An `OTEL_LOG_LEVEL` value; an unknown one means `warn` plus one line saying so. @default `process.env.OTEL_LOG_LEVEL` */
  level?: string | undefined;
  /** Least time between two lines of one problem. @default 60000 */
  repeatIntervalMs?: number;
  /** Most problems remembered; the least recently written is forgotten first. @default 256 */
  maxProblems?: number;
  /** Also hand each line to the OTel `diag` logger at its level. @default true */
  forwardToDiag?: boolean;
}

/** Counters of a {@link FedscopeLog}. */
export interface FedscopeLogStats {
  /** Lines written. */
  readonly written: number;
  /** Calls not written because the same problem was written less than an interval ago. */
  readonly suppressed: number;
  /** Suppressed repeats never reported because their problem was forgotten (bound reached). */
  readonly forgottenRepeats: number;
}

/** What is remembered of one problem. */
interface Problem {
  lastWrittenAt: number;
  repeats: number;
  level: FedscopeLogLevel;
  message: string;
}

/**
 * Parses an `OTEL_LOG_LEVEL` value: `undefined` or empty gives `warn`; an unknown value gives
 * `warn` and `valid: false`.
 */
export function parseLogLevel(value: string | undefined): { threshold: FedscopeLogThreshold; valid: boolean } {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '') return { threshold: 'warn', valid: true };
  return text in RANK ? { threshold: text as FedscopeLogThreshold, valid: true } : { threshold: 'warn', valid: false };
}

/**
 * The text of an error for a log line: its name (unless plain `Error`), message, code and cause
 * (`fetch failed` says little without its `ECONNREFUSED`), then redacted. Never throws.
 */
export function describeError(error: unknown): string {
  try {
    return redactMessage(errorText(error, 0));
  } catch {
    return '?';
  }
}

function errorText(error: unknown, depth: number): string {
  if (!(error instanceof Error)) return typeof error === 'string' ? error : String(error);
  // An AggregateError (e.g. a connection refused on every address of a host) may have no message.
  const inner: unknown = error instanceof AggregateError && error.errors.length > 0 ? error.errors[0] : undefined;
  const code = (error as { code?: unknown }).code;
  const name = error.name && error.name !== 'Error' && !(inner !== undefined && error.message === '') ? `${error.name}: ` : '';
  let text = error.message === '' && inner !== undefined ? errorText(inner, depth + 1) : `${name}${error.message}`;
  if (typeof code === 'string' && !text.includes(code)) text += ` (${code})`;
  if (error.cause !== undefined && depth < 2) text += ` (cause: ${errorText(error.cause, depth + 1)})`;
  return text;
}

/**
 * fedscope's diagnostics logger. A line reads
 * `fedscope warn: <message>[: <error>][ (and N more in the last S s)]`.
 *
 * The message names the problem and is its rate-limiting key, so it should hold fedscope's own
 * wording and figures only; what comes from outside (the error, server replies) goes in the
 * `error` argument and passes {@link redactMessage}, so no SQL literal or credential reaches a
 * line. Logging never throws.
 */
export class FedscopeLog {
  private write!: (line: string) => void;
  private now!: () => number;
  private threshold: FedscopeLogThreshold = 'warn';
  private repeatIntervalMs = DEFAULT_REPEAT_INTERVAL_MS;
  private maxProblems = DEFAULT_MAX_PROBLEMS;
  private forwardToDiag = true;
  /** Insertion order is write order (re-inserted on each write): the first entry is the stalest. */
  private readonly problems = new Map<string, Problem>();
  private counts = { written: 0, suppressed: 0, forgottenRepeats: 0 };

  constructor(options: FedscopeLogOptions = {}) {
    this.configure({ level: process.env['OTEL_LOG_LEVEL'], ...options });
  }

  /**
   * Changes where lines go, the clock, the level or the bounds (tests inject `write` and `now`).
   * Options left out keep their values; a `level` that is not an `OTEL_LOG_LEVEL` value means
   * `warn` and one line saying so.
   */
  configure(options: FedscopeLogOptions): void {
    if (options.write !== undefined || this.write === undefined) this.write = options.write ?? writeStderr;
    if (options.now !== undefined || this.now === undefined) this.now = options.now ?? Date.now;
    if (options.repeatIntervalMs !== undefined) this.repeatIntervalMs = Math.max(0, options.repeatIntervalMs);
    if (options.maxProblems !== undefined) this.maxProblems = Math.max(1, Math.floor(options.maxProblems));
    if (options.forwardToDiag !== undefined) this.forwardToDiag = options.forwardToDiag;
    if ('level' in options) {
      const { threshold, valid } = parseLogLevel(options.level);
      this.threshold = threshold;
      if (!valid) {
        this.emit(
          'warn',
          `OTEL_LOG_LEVEL is not one of ${OTEL_LOG_LEVEL_VALUES.join(', ')} (case-insensitive); using WARN`,
          `got ${describeError(String(options.level).slice(0, 40))}`,
        );
      }
    }
  }

  /** The threshold in force. */
  get level(): FedscopeLogThreshold {
    return this.threshold;
  }

  /** True when lines of `level` are written to stderr. */
  enabled(level: FedscopeLogLevel): boolean {
    return RANK[level] <= RANK[this.threshold];
  }

  /** An unexpected failure of fedscope's own work. */
  error(message: string, error?: unknown): void {
    this.log('error', message, error);
  }

  /** Something the operator should know: data lost, a feature off, a bad setting. */
  warn(message: string, error?: unknown): void {
    this.log('warn', message, error);
  }

  /** Informational. */
  info(message: string, error?: unknown): void {
    this.log('info', message, error);
  }

  /** For debugging fedscope. */
  debug(message: string, error?: unknown): void {
    this.log('debug', message, error);
  }

  /** Very detailed. */
  verbose(message: string, error?: unknown): void {
    this.log('verbose', message, error);
  }

  /**
   * Writes a line the caller paced itself (a periodic summary whose figures change each time), so
   * it is not rate-limited here; the level still applies.
   */
  report(level: FedscopeLogLevel, message: string): void {
    try {
      this.emit(level, message, undefined);
    } catch {
      // Logging never throws into fedscope's callers.
    }
  }

  /**
   * Writes, for every problem whose repeats were suppressed since its last line, one line with
   * their count (e.g. at shutdown, so a burst that ended is not left unreported).
   */
  flushRepeats(): void {
    try {
      const now = this.now();
      for (const problem of this.problems.values()) {
        if (problem.repeats === 0) continue;
        const repeats = problem.repeats;
        problem.repeats = 0;
        this.emit(problem.level, problem.message, undefined, repeatSuffix(repeats, now - problem.lastWrittenAt));
        problem.lastWrittenAt = now;
      }
    } catch {
      // Logging never throws into fedscope's callers.
    }
  }

  /** Counters. */
  stats(): FedscopeLogStats {
    return { ...this.counts };
  }

  /** Rate-limits per message and writes. */
  private log(level: FedscopeLogLevel, message: string, error: unknown): void {
    try {
      const now = this.now();
      const problem = this.problems.get(message);
      if (problem !== undefined && now - problem.lastWrittenAt < this.repeatIntervalMs && now >= problem.lastWrittenAt) {
        problem.repeats++;
        this.counts.suppressed++;
        return;
      }
      const repeats = problem?.repeats ?? 0;
      const suffix = problem !== undefined && repeats > 0 ? repeatSuffix(repeats, now - problem.lastWrittenAt) : '';
      this.problems.delete(message);
      while (this.problems.size >= this.maxProblems) {
        const stalest = this.problems.keys().next().value as string;
        this.counts.forgottenRepeats += this.problems.get(stalest)?.repeats ?? 0;
        this.problems.delete(stalest);
      }
      this.problems.set(message, { lastWrittenAt: now, repeats: 0, level, message });
      this.emit(level, message, error === undefined ? undefined : describeError(error), suffix);
    } catch {
      // Logging never throws into fedscope's callers.
    }
  }

  private emit(level: FedscopeLogLevel, message: string, detail: string | undefined, suffix = ''): void {
    const text = `${message}${detail ? `: ${detail}` : ''}${suffix}`.replace(/[\r\n]+/g, ' ');
    if (this.forwardToDiag) diag[level](`fedscope: ${text}`);
    if (!this.enabled(level)) return;
    this.counts.written++;
    this.write(`fedscope ${level}: ${text}`);
  }
}

function writeStderr(line: string): void {
  process.stderr.write(`${line}\n`);
}

function repeatSuffix(repeats: number, elapsedMs: number): string {
  return ` (and ${repeats.toLocaleString('en-US')} more in the last ${Math.max(1, Math.round(elapsedMs / 1000))} s)`;
}

/** The process-wide logger every part of fedscope writes through. */
export const fedscopeLog: FedscopeLog = new FedscopeLog();
