import type { FigureProvider, FigureSample } from '../../processors/alerts/index.js';

/** A figure provider whose values the test sets: `set('system.cpuPercent', 95)` or per series. */
export class FakeFigures implements FigureProvider {
  private readonly figures = new Map<string, FigureSample[]>();

  set(figure: string, value: number | null | FigureSample[]): void {
    this.figures.set(figure, Array.isArray(value) ? value : [{ labels: {}, value }]);
  }

  clear(figure: string): void {
    this.figures.set(figure, []);
  }

  read(figure: string): readonly FigureSample[] | undefined {
    return this.figures.get(figure);
  }
}
