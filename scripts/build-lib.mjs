// `npm run build:lib` (also run by `npm pack`): the npm package's two exports into lib/.
//
//   lib/widgets.js, lib/widgets.d.ts, lib/chunks/, lib/assets/  linear-attention-live/widgets
//   lib/gpu/index.js, lib/gpu/**/*.d.ts                          linear-attention-live/gpu
//   lib/THIRD-PARTY-LICENSES.md                                   licences of what is bundled
//
// LIB_OUT_DIR moves the output (the package test builds into a temporary folder).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outDir = resolve(root, process.env.LIB_OUT_DIR ?? 'lib');

function run(command, args) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, LIB_OUT_DIR: outDir },
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

rmSync(outDir, { recursive: true, force: true });
const vite = ['vite', 'build', '--config', 'vite.lib.config.ts', '--logLevel', 'warn'];
run('npx', [...vite, '--mode', 'gpu']);
run('npx', [...vite, '--mode', 'widgets']);
run('npx', ['tsc', '-p', 'tsconfig.lib.json', '--outDir', join(outDir, 'gpu')]);

// The sources import each other as './x.ts' (allowImportingTsExtensions); the declarations sit
// beside JavaScript, so they say './x.js'.
for (const file of walk(join(outDir, 'gpu'))) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text.replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2'),
  );
}

// Types for the widgets export: the module only defines elements, so it declares their tags.
const tags = readdirSync(join(root, 'src/widgets/elements'))
  .filter((name) => /^la-[a-z-]+\.svelte$/.test(name))
  .map((name) => name.slice(0, -'.svelte'.length))
  .sort();
writeFileSync(
  join(outDir, 'widgets.d.ts'),
  [
    '// linear-attention-live/widgets: importing this module defines every <la-*> custom element.',
    '// Their attributes are listed on the widget catalogue page and in the README.',
    'export {};',
    'declare global {',
    '  interface HTMLElementTagNameMap {',
    ...tags.map((tag) => `    '${tag}': HTMLElement;`),
    '  }',
    '}',
    '',
  ].join('\n'),
);

// The licences of the npm packages the bundles contain, as their licences ask.
const bundled = new Set();
for (const list of [
  join(outDir, 'bundled-packages.json'),
  join(outDir, 'gpu/bundled-packages.json'),
]) {
  if (!existsSync(list)) continue;
  for (const name of JSON.parse(readFileSync(list, 'utf8'))) bundled.add(name);
  rmSync(list);
}
const sections = [...bundled].sort().map((name) => {
  const dir = join(root, 'node_modules', name);
  const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
  if (!file) throw new Error(`build-lib: ${name} is bundled but ships no licence file.`);
  const text = readFileSync(join(dir, file), 'utf8').trim();
  return `## ${name} ${meta.version} (${meta.license})\n\n\`\`\`text\n${text}\n\`\`\`\n`;
});
writeFileSync(
  join(outDir, 'THIRD-PARTY-LICENSES.md'),
  `# Third-party licences\n\nThe bundles in this folder contain code from these npm packages.\n\n${sections.join('\n')}`,
);
// On stderr, so that `npm pack --json` keeps stdout to itself.
console.error(
  `build-lib: ${tags.length} widgets, the GPU engine and ${bundled.size} bundled packages' licences in ${outDir}`,
);
