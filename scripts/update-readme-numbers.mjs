// Rewrites README.md's measured numbers (the section between the numbers:begin and numbers:end
// markers) from data/, with the template in site/build/readme-numbers.ts. Run it after
// data/reference-h200.json changes; tests/unit/readme-numbers.test.ts fails until it has run.
//   node scripts/update-readme-numbers.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const root = resolve(import.meta.dirname, '..');
const { loadTokenData } = await import('../site/build/data-tokens.ts');
const { renderReadmeNumbers, replaceReadmeNumbers } =
  await import('../site/build/readme-numbers.ts');
const file = resolve(root, 'README.md');
const before = readFileSync(file, 'utf8');
const after = replaceReadmeNumbers(
  before,
  renderReadmeNumbers(loadTokenData(resolve(root, 'data'))),
);
if (after === before) console.log('README.md: numbers already match data/.');
else {
  writeFileSync(file, after);
  console.log('README.md: numbers rewritten from data/.');
}
