// Rewrites README.md's measured numbers (the section between the numbers:begin and numbers:end
// markers) and docs/PERFORMANCE.md's results and floors tables (results:, floors:begin/end) from data/, with
// site/build/readme-numbers.ts. Run it after data/reference-h200.json changes;
// tests/unit/readme-numbers.test.ts fails until it has run.
//   node scripts/update-readme-numbers.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { register } from 'tsx/esm/api';

register();
const root = resolve(import.meta.dirname, '..');
const { loadTokenData } = await import('../site/build/data-tokens.ts');
const numbers = await import('../site/build/readme-numbers.ts');
const data = loadTokenData(resolve(root, 'data'));
const rewrite = (name, change) => {
  const file = resolve(root, name);
  const before = readFileSync(file, 'utf8');
  const after = change(before);
  if (after === before) console.log(`${name}: numbers already match data/.`);
  else {
    writeFileSync(file, after);
    console.log(`${name}: numbers rewritten from data/.`);
  }
};
rewrite('README.md', (text) =>
  numbers.replaceReadmeNumbers(text, numbers.renderReadmeNumbers(data)),
);
rewrite('docs/PERFORMANCE.md', (text) =>
  numbers.replaceSection(
    text,
    numbers.RESULTS_BEGIN,
    numbers.RESULTS_END,
    numbers.renderResultsTable(data),
  ),
);
rewrite('docs/PERFORMANCE.md', (text) =>
  numbers.replaceSection(
    text,
    numbers.FLOORS_BEGIN,
    numbers.FLOORS_END,
    numbers.renderFloorsTable(data),
  ),
);
