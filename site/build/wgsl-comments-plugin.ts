/**
 * Ships the kernels without their comments. A `.wgsl?raw` import is the file's text, and the
 * kernels explain themselves at length (about half their bytes); the browser's WGSL compiler
 * needs none of it. In the site build this plugin loads each `.wgsl?raw` import with its `//`
 * comments removed, every line kept (so line numbers in WebGPU's error messages still match the
 * files). The dev server, the tests and the benchmark bundles read the files unchanged, and the
 * article's kernel listings are rendered from the files themselves (site/build/post/kernels.ts).
 */
import { readFileSync } from 'node:fs';
import type { Plugin } from 'vite';

/**
 * `source` without its line comments and trailing spaces, one output line per input line. WGSL
 * has no string literals, so `//` always starts a comment. Block comments are not used in the
 * kernels; one would be refused rather than half removed.
 */
export function stripWgslComments(source: string, file = 'WGSL'): string {
  const stripped = source
    .split('\n')
    .map((line) => {
      const comment = line.indexOf('//');
      return (comment < 0 ? line : line.slice(0, comment)).trimEnd();
    })
    .join('\n');
  if (stripped.includes('/*')) {
    throw new Error(`${file} has a block comment (/* */); write it as // lines.`);
  }
  return stripped;
}

export function wgslCommentsPlugin(): Plugin {
  return {
    name: 'la-wgsl-comments',
    apply: 'build',
    enforce: 'pre',
    load(id) {
      const [file, query] = id.split('?', 2);
      if (!file!.endsWith('.wgsl') || query !== 'raw') return;
      const text = stripWgslComments(readFileSync(file!, 'utf8'), file);
      return { code: `export default ${JSON.stringify(text)};`, map: null };
    },
  };
}
