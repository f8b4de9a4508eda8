import { parse as parseYaml, YAMLParseError } from 'yaml';

/**
 * Parses YAML (or JSON, which is YAML) text. A syntax error throws an Error whose message
 * continues a sentence like `not valid YAML`: where and what, on one line
 * (` at line 3, column 7: <the parser's first line>`, or `: <message>` without a position).
 * @param text - the file's contents
 */
export function parseYamlText(text: string): unknown {
  try {
    return parseYaml(text, { prettyErrors: true });
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}` : '';
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new Error(`${where}: ${message}`, { cause: error });
  }
}
