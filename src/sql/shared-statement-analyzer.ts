/**
 * The process-wide {@link StatementAnalyzer} that fedscope's instrumentations and span processor
 * share, so a statement seen by both is analysed once.
 */
import { StatementAnalyzer, type StatementAnalyzerOptions } from './statement-analyzer.js';

let shared: StatementAnalyzer | undefined;

/** The shared analyzer, created with default options on first use. */
export function sharedStatementAnalyzer(): StatementAnalyzer {
  shared ??= new StatementAnalyzer();
  return shared;
}

/**
 * Replaces the shared analyzer by a new one with the given options (its cache starts empty) and
 * returns it.
 *
 * @param options - cache and length bounds
 * @throws RangeError when an option is not a valid bound (the previous analyzer stays in place)
 */
export function configureSharedStatementAnalyzer(options: StatementAnalyzerOptions = {}): StatementAnalyzer {
  const analyzer = new StatementAnalyzer(options);
  shared = analyzer;
  return analyzer;
}
