/**
 * The import direction of fedscope (see the README's Architecture section): roof → layers → ground.
 * `npm run lint` runs it; a wrong-way or circular import, type-only ones included, fails the build.
 */
const GROUND = '^src/(span-model|sql|stats|otlp|diagnostics|text)/|^src/version[.]ts$';
const ROOF = '^src/(sdk|options|pipeline|output|collector)/|^src/(index|cli|register)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import circle, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'ground-imports-only-ground',
      severity: 'error',
      comment: 'The ground (span model, SQL, statistics, OTLP model, diagnostics, text) imports nothing of ours above it.',
      from: { path: GROUND },
      to: { path: '^(src|instrumentations|processors)/', pathNot: GROUND },
    },
    {
      name: 'instrumentations-not-above',
      severity: 'error',
      comment: 'Instrumentations stand on the ground only: never on processors, the runtime or the roof.',
      from: { path: '^instrumentations/' },
      to: { path: `^processors/|^src/federation/|${ROOF}` },
    },
    {
      name: 'processors-not-above',
      severity: 'error',
      comment: 'Processors read spans by their semantic conventions: never instrumentations, the runtime or the roof.',
      from: { path: '^processors/' },
      to: { path: `^instrumentations/|^src/federation/|${ROOF}` },
    },
    {
      name: 'runtime-uses-instrumentations-only',
      severity: 'error',
      comment: 'The federation runtime is a user of the instrumentations; it never reaches into processors or the roof.',
      from: { path: '^src/federation/' },
      to: { path: `^processors/|${ROOF}` },
    },
    {
      name: 'shipped-code-not-on-test-code',
      severity: 'error',
      comment: 'What ships never imports tests, benchmarks, the soak or examples.',
      from: { path: '^(src|instrumentations|processors)/' },
      to: { path: '^(test|bench|soak|examples)/' },
    },
    {
      name: 'every-source-file-placed',
      severity: 'error',
      comment: 'Every file under src/ belongs to the ground, the runtime or the roof, so the rules above cover it.',
      from: { path: '^src/', pathNot: `${GROUND}|${ROOF}|^src/federation/` },
      to: {},
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    // Type-only imports count: a circle through types is a circle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
