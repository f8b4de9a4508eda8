/** Where the labelled NAB copy lives for the tests: `test/fixtures/nab` inside the repository. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNabCorpus, type NabSeries } from '../../support/nab-scorer.js';

/** The NAB tuning set, shipped with the repository (see test/fixtures/nab/README.md). */
export const nabRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/nab');

/** Loads every labelled series of the NAB copy. */
export function loadTuningSet(): NabSeries[] {
  return loadNabCorpus(nabRoot);
}
