/** Where the labelled NAB copy lives for the tests: `shared/data/nab` beside the repository. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNabCorpus, type NabSeries } from '../../../processors/detectors/nab-scorer.js';

/** The repository root (this file is test/processors/detectors/nab-data.ts). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The NAB tuning set: the repository is cloned with `shared/` beside it. */
export const nabRoot = path.resolve(repoRoot, '../shared/data/nab');

/**
 * Loads every labelled series of the NAB copy.
 * @throws Error saying where the data was expected when it is missing
 */
export function loadTuningSet(): NabSeries[] {
  const labels = path.join(nabRoot, 'labels', 'combined_windows.json');
  if (!existsSync(labels)) {
    throw new Error(
      `NAB tuning data not found: expected ${labels}. The detector tests read shared/data/nab beside the repository (clone it with shared/ next to it).`,
    );
  }
  return loadNabCorpus(nabRoot);
}
