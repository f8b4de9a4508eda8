// ESLint flat config: typescript-eslint's type-checked recommended rules over every TypeScript file of the
// project (src, instrumentations, processors, test, bench, soak, examples, scripts), formatting left to prettier.
import { defineConfig, globalIgnores } from 'eslint/config';
import eslintConfigPrettier from 'eslint-config-prettier/flat';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'coverage/', 'test/fixtures/', '.scratch/', '.readme-check/', '.fedscope-servers/']),
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Root files outside tsconfig.json's include (vitest.config.ts) are checked against its options.
          allowDefaultProject: ['*.ts'],
          defaultProject: 'tsconfig.json',
        },
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    rules: {
      // A leading underscore marks a parameter an interface requires but this implementation does not read.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' }],
      // An async method without await is how a Promise-returning interface is implemented: a synchronous throw becomes a rejection.
      '@typescript-eslint/require-await': 'off',
      // Rejecting with an AbortSignal's reason or a caught error passes on what arrived, as only-throw-error allows for throw.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true, allowThrowingUnknown: true }],
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.objectContaining, ...) are typed `any` by vitest itself.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-unsafe-assignment': 'off' },
  },
  {
    // Plain JavaScript config files have no type information to check against.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // CommonJS config files (dependency-cruiser's) load with require by definition.
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  eslintConfigPrettier,
);
