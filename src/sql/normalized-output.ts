import { Fnv1a64, FNV1A64_STATE_SIZE } from './fnv1a64.js';

const SPACE = 32;

/**
 * Where the SQL normaliser writes its output: pieces appended in order, and marks to cut back to
 * (an IN list or a VALUES row list is written out, then cut back to its first element).
 * After `cutTo(m)` the output is what it was when `mark()` returned `m`; later marks are gone.
 */
export interface NormalizedOutput {
  /** Appends `piece`, after a space when `spaced`. */
  append(piece: string, spaced: boolean): void;
  /** Appends `text[start, end)`, after a space when `spaced`. */
  appendSlice(text: string, start: number, end: number, spaced: boolean): void;
  /** A position to cut back to. */
  mark(): number;
  /** Cuts the output back to a position from {@link NormalizedOutput.mark}. */
  cutTo(mark: number): void;
}

/** Builds the normalised text. */
export class NormalizedTextOutput implements NormalizedOutput {
  // Committed chunks plus the text since the last mark: cutting back is O(1) (no string slicing).
  private readonly chunks: string[] = [];
  private out = '';

  append(piece: string, spaced: boolean): void {
    if (spaced) this.out += ' ';
    this.out += piece;
  }

  appendSlice(text: string, start: number, end: number, spaced: boolean): void {
    if (spaced) this.out += ' ';
    this.out += text.slice(start, end);
  }

  mark(): number {
    this.chunks.push(this.out);
    this.out = '';
    return this.chunks.length;
  }

  cutTo(mark: number): void {
    this.chunks.length = mark;
    this.out = '';
  }

  /** The text written. */
  text(): string {
    return this.chunks.length === 0 ? this.out : this.chunks.join('') + this.out;
  }
}

/**
 * Hashes the normalised text as it is written, without building it: the fingerprint of a statement
 * seen for the first time costs the lexer pass and no strings.
 */
export class NormalizedHashOutput implements NormalizedOutput {
  private readonly hash = new Fnv1a64();
  /** The hash state at each live mark, {@link FNV1A64_STATE_SIZE} numbers per mark. */
  private readonly states: number[] = [];
  private marks = 0;

  append(piece: string, spaced: boolean): void {
    if (spaced) this.hash.ascii(SPACE);
    this.hash.update(piece);
  }

  appendSlice(text: string, start: number, end: number, spaced: boolean): void {
    if (spaced) this.hash.ascii(SPACE);
    this.hash.update(text, start, end);
  }

  mark(): number {
    this.hash.save(this.states, this.marks * FNV1A64_STATE_SIZE);
    return ++this.marks;
  }

  cutTo(mark: number): void {
    this.hash.restore(this.states, (mark - 1) * FNV1A64_STATE_SIZE);
    this.marks = mark;
  }

  /** `fnv1a64Hex` of the text written. */
  fingerprint(): string {
    return this.hash.hex();
  }
}
