/** One sample of a Prometheus text exposition. */
export interface ExposedSample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The samples of metric `name` (exactly that name: give a counter's `_total` name) in exposition
 * text, with their labels (escapes undone) and values.
 */
export function exposedSamples(text: string, name: string): ExposedSample[] {
  const samples: ExposedSample[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const close = line[name.length] === '{' ? line.lastIndexOf('}') : name.length - 1;
    const labels: Record<string, string> = {};
    for (const [, label, value] of line.slice(name.length, close + 1).matchAll(LABEL))
      labels[label!] = value!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = Number(
      line
        .slice(close + 1)
        .trim()
        .split(' ')[0],
    );
    if (Number.isFinite(value)) samples.push({ labels, value });
  }
  return samples;
}
