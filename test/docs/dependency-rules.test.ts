// The layer rules of .dependency-cruiser.cjs, run on small trees that break them: the rule
// that guards the build must catch what it promises to catch, type-only imports included.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { cruise, type ICruiseResult, type IConfiguration } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;
const trees: string[] = [];
afterEach(() => {
  for (const dir of trees.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes the files into a fresh folder and cruises it with the project's rules. */
async function violationsOf(files: Record<string, string>): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'fedscope-deps-'));
  trees.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  writeFileSync(
    join(root, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
  );
  const previous = process.cwd();
  process.chdir(root); // the rules' paths are relative to the cruised tree's root
  try {
    const result = await cruise(['src', 'instrumentations', 'processors'], {
      validate: true,
      ruleSet: { forbidden: config.forbidden ?? [] },
      tsPreCompilationDeps: true,
      tsConfig: { fileName: 'tsconfig.json' },
    });
    const output = result.output as ICruiseResult;
    return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
  } finally {
    process.chdir(previous);
  }
}

describe('the layer rules', () => {
  it('pass a tree that imports one way: roof → runtime → layers → ground', async () => {
    expect(
      await violationsOf({
        'src/span-model/names.ts': 'export const NAME = "x";\n',
        'instrumentations/wrap.ts': "import { NAME } from '../src/span-model/names.js';\nexport const wrap = NAME;\n",
        'processors/read.ts': "import { NAME } from '../src/span-model/names.js';\nexport const read = NAME;\n",
        'src/federation/runtime.ts': "import { wrap } from '../../instrumentations/wrap.js';\nexport const run = wrap;\n",
        'src/sdk/start.ts':
          "import { run } from '../federation/runtime.js';\nimport { read } from '../../processors/read.js';\nexport const start = run + read;\n",
      }),
    ).toEqual([]);
  });

  it('catch a layer importing its neighbour, the ground importing upward, a type-only circle and a file of no layer', async () => {
    expect(
      await violationsOf({
        'src/span-model/names.ts': "import type { Read } from '../../processors/read.js';\nexport type Name = Read;\n",
        'processors/read.ts':
          "import type { Name } from '../src/span-model/names.js';\nimport { wrap } from '../instrumentations/wrap.js';\nexport type Read = string;\nexport type Both = Name;\nexport const r = wrap;\n",
        'instrumentations/wrap.ts': 'export const wrap = 1;\n',
        'src/misc/loose.ts': "import { wrap } from '../../instrumentations/wrap.js';\nexport const loose = wrap;\n",
      }),
    ).toEqual([
      'every-source-file-placed: src/misc/loose.ts → instrumentations/wrap.ts',
      'ground-imports-only-ground: src/span-model/names.ts → processors/read.ts',
      'no-circular: processors/read.ts → src/span-model/names.ts',
      'processors-not-above: processors/read.ts → instrumentations/wrap.ts',
    ]);
  });
});
