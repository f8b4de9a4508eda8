/**
 * The series selectors of a PromQL expression — metric names with their label matchers — and the
 * labels it groups or matches by, read by a small tokenizer: enough to check that a rule selects
 * series an exporter really writes, without a PromQL engine. Strings, comments, durations,
 * subqueries, function calls, aggregations with `by`/`without` before or after their argument,
 * vector matching (`on`, `ignoring`, `group_left(…)`) and `{__name__=…}` selectors are understood.
 *
 * @module
 */

/** A label matcher: `{label op "value"}`. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** One vector selector: `name{matchers}`, `name`, or `{matchers}` (name `undefined`). */
export interface VectorSelector {
  readonly name: string | undefined;
  readonly matchers: readonly LabelMatcher[];
}

/** What an expression reads: its selectors and the labels named in by/without/on/ignoring/group_*. */
export interface ExpressionSeries {
  readonly selectors: readonly VectorSelector[];
  readonly groupingLabels: readonly string[];
}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string };

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2']);
const AGGREGATIONS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'limitk',
  'limit_ratio',
]);
const NUMBER = /^(?:0x[0-9a-f]+|(?:\d+(?:ms|[smhdwy]))+|(?:\d*\.\d+|\d+\.?)(?:e[+-]?\d+)?)/i;
const IDENT = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const PUNCT = [
  '=~',
  '!~',
  '!=',
  '==',
  '<=',
  '>=',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '^',
  '@',
  ':',
];

/** Splits `expr` into tokens. @throws on a character PromQL does not have, or an unterminated string. */
export function tokenizePromql(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      let value = '';
      let j = i + 1;
      for (; j < expr.length && expr[j] !== c; j++) {
        if (expr[j] === '\\' && c !== '`') {
          j++;
          const escaped = expr[j] ?? '';
          value += escaped === 'n' ? '\n' : escaped === 't' ? '\t' : escaped;
        } else value += expr[j];
      }
      if (j >= expr.length) throw new Error(`unterminated string at ${i} in ${expr}`);
      tokens.push({ kind: 'string', text: value });
      i = j + 1;
    } else {
      const rest = expr.slice(i);
      const number = /^[0-9.]/.test(c) ? NUMBER.exec(rest) : null;
      const ident = number === null ? IDENT.exec(rest) : null;
      const punct = number === null && ident === null ? PUNCT.find((p) => rest.startsWith(p)) : undefined;
      const text = number?.[0] ?? ident?.[0] ?? punct;
      if (text === undefined || text === '') throw new Error(`unexpected ${JSON.stringify(c)} at ${i} in ${expr}`);
      tokens.push({ kind: number !== null ? 'number' : ident !== null ? 'ident' : 'punct', text });
      i += text.length;
    }
  }
  return tokens;
}

/**
 * The selectors and grouping labels of a PromQL expression.
 * @throws on malformed matchers or unbalanced brackets
 */
export function promqlSeries(expr: string): ExpressionSeries {
  const tokens = tokenizePromql(expr);
  const selectors: VectorSelector[] = [];
  const groupingLabels: string[] = [];
  const at = (i: number) => tokens[i];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i]!;
    const next = at(i + 1);
    if (token.kind === 'ident') {
      const word = token.text;
      const lower = word.toLowerCase();
      if (lower === 'inf' || lower === 'nan') {
        i++;
      } else if (GROUPING.has(word)) {
        i++;
        if (at(i)?.text === '(') {
          i++;
          while (at(i) !== undefined && at(i)!.text !== ')') {
            if (at(i)!.kind === 'ident' || at(i)!.kind === 'string') groupingLabels.push(at(i)!.text);
            i++;
          }
          if (at(i) === undefined) throw new Error(`unclosed ${word}( in ${expr}`);
          i++;
        }
      } else if (KEYWORDS.has(word) || next?.text === '(' || (AGGREGATIONS.has(word) && next !== undefined && GROUPING.has(next.text))) {
        i++; // a function, an aggregation or an operator word
      } else {
        const parsed = next?.text === '{' ? readMatchers(tokens, i + 1, expr) : { matchers: [], end: i + 1 };
        selectors.push({ name: word, matchers: parsed.matchers });
        i = parsed.end;
      }
    } else if (token.text === '{') {
      const parsed = readMatchers(tokens, i, expr);
      const byName = parsed.matchers.find((m) => m.label === '__name__' && m.op === '=');
      selectors.push({ name: byName?.value, matchers: parsed.matchers.filter((m) => m !== byName) });
      i = parsed.end;
    } else if (token.text === '[') {
      // A range or subquery: durations and a resolution, no series.
      while (at(i) !== undefined && at(i)!.text !== ']') i++;
      if (at(i) === undefined) throw new Error(`unclosed [ in ${expr}`);
      i++;
    } else {
      i++;
    }
  }
  return { selectors, groupingLabels };
}

/** Reads `{label op "value", …}` starting at the `{` at `start`; returns the matchers and the index after `}`. */
function readMatchers(tokens: readonly Token[], start: number, expr: string): { matchers: LabelMatcher[]; end: number } {
  const matchers: LabelMatcher[] = [];
  let i = start + 1;
  while (tokens[i]?.text !== '}') {
    const label = tokens[i];
    const op = tokens[i + 1];
    const value = tokens[i + 2];
    if (label === undefined || (label.kind !== 'ident' && label.kind !== 'string')) throw new Error(`expected a label name in ${expr}`);
    if (op === undefined || !['=', '!=', '=~', '!~'].includes(op.text))
      throw new Error(`expected =, !=, =~ or !~ after ${label.text} in ${expr}`);
    if (value === undefined || value.kind !== 'string') throw new Error(`expected a quoted value for ${label.text} in ${expr}`);
    matchers.push({ label: label.text, op: op.text as LabelMatcher['op'], value: value.text });
    i += 3;
    if (tokens[i]?.text === ',') i++;
    else if (tokens[i]?.text !== '}') throw new Error(`expected , or } after ${label.text} in ${expr}`);
  }
  return { matchers, end: i + 1 };
}

/** Whether `labels` (of a series named `name`) satisfies the selector. Regexes are anchored, as in PromQL. */
export function selectorMatches(selector: VectorSelector, name: string, labels: Readonly<Record<string, string>>): boolean {
  if (selector.name !== undefined && selector.name !== name) return false;
  return selector.matchers.every((m) => {
    const value = m.label === '__name__' ? name : (labels[m.label] ?? '');
    switch (m.op) {
      case '=':
        return value === m.value;
      case '!=':
        return value !== m.value;
      case '=~':
        return new RegExp(`^(?:${m.value})$`).test(value);
      case '!~':
        return !new RegExp(`^(?:${m.value})$`).test(value);
    }
  });
}
