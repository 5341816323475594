/**
 * `::wgsl{file="softmax-flash.wgsl"}` or `::wgsl{match="softmax-*.wgsl ?linear-*.wgsl"}`: kernel
 * listings read from the real files (patterns in display order; a missing file or an unmatched
 * pattern without `?` is a problem).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Nodes } from 'mdast';
import { escapeHtml, type PostContext } from './context.ts';

export function renderKernels(
  attributes: Record<string, string | null | undefined>,
  node: Nodes,
  ctx: PostContext,
): string {
  const { options, problems, where, codeBlock } = ctx;
  const files: string[] = [];
  if (attributes.file) {
    if (!existsSync(resolve(options.kernelsDir, attributes.file))) {
      problems.push(
        `kernel file "${attributes.file}" (at ${where(node)}) not found in ${options.kernelsDir}`,
      );
      return '';
    }
    files.push(attributes.file);
  } else if (attributes.match) {
    // Space-separated patterns with `*`, listed in the order to show the files; each must match
    // at least one file unless it starts with `?`. A file is shown once, at its first match.
    const available = existsSync(options.kernelsDir) ? readdirSync(options.kernelsDir).sort() : [];
    for (const entry of attributes.match.split(/\s+/).filter(Boolean)) {
      const optional = entry.startsWith('?');
      const glob = optional ? entry.slice(1) : entry;
      const pattern = new RegExp(
        `^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
      );
      const found = available.filter((f) => pattern.test(f) && !files.includes(f));
      if (!optional && !available.some((f) => pattern.test(f))) {
        problems.push(`no kernel matches "${glob}" (at ${where(node)}) in ${options.kernelsDir}`);
      }
      files.push(...found);
    }
  } else {
    problems.push(`::wgsl at ${where(node)} needs file="..." or match="..."`);
  }
  return files
    .map((file) => {
      const code = readFileSync(resolve(options.kernelsDir, file), 'utf8');
      const lines = code.trimEnd().split('\n').length;
      return (
        `<details class="kernel"${attributes.open !== undefined ? ' open' : ''}>` +
        `<summary><code>${escapeHtml(file)}</code> <span class="kernel-lines">${lines} lines of WGSL</span></summary>` +
        codeBlock(code, 'wgsl', `src/gpu/kernels/${file}`) +
        `</details>`
      );
    })
    .join('');
}
