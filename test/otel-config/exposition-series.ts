/**
 * The series of a Prometheus text exposition (`/metrics`): each sample line's metric name and
 * labels (values unescaped), comments and values left aside.
 *
 * @module
 */

/** One exposed series. */
export interface ExposedSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Parses the sample lines of exposition text.
 * @throws on a sample line that is not `name{label="value",…} value`
 */
export function parseExposition(text: string): ExposedSeries[] {
  const series: ExposedSeries[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name === undefined) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    let i = name.length;
    if (line[i] === '{') {
      i++;
      while (line[i] !== '}') {
        const label = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(i))?.[0];
        if (label === undefined || line.slice(i + label.length, i + label.length + 2) !== '="')
          throw new Error(`bad label at ${i}: ${line}`);
        i += label.length + 2;
        let value = '';
        for (; i < line.length && line[i] !== '"'; i++) {
          if (line[i] === '\\') {
            i++;
            value += line[i] === 'n' ? '\n' : (line[i] ?? '');
          } else value += line[i];
        }
        if (i >= line.length) throw new Error(`unterminated label value: ${line}`);
        labels[label] = value;
        i++;
        if (line[i] === ',') i++;
        else if (line[i] !== '}') throw new Error(`expected , or } at ${i}: ${line}`);
      }
      i++;
    }
    if (line[i] !== ' ') throw new Error(`expected a value after the series: ${line}`);
    series.push({ name, labels });
  }
  return series;
}
