import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stripWgslComments } from '../../site/build/wgsl-comments-plugin.ts';

const KERNELS = resolve(import.meta.dirname, '../../src/gpu/kernels');

/** Every .wgsl file under the kernels folder, subfolders included. */
function kernelFiles(): string[] {
  return readdirSync(KERNELS, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.wgsl'))
    .map((name) => join(KERNELS, name));
}

describe('the kernels as the site ships them (comments stripped)', () => {
  it('removes whole-line and trailing comments and keeps every line', () => {
    const source = [
      '// Header comment',
      'enable subgroups;',
      '  let x = a + b;  // why: the sum',
      '',
      '    // indented note',
      'fn f() -> u32 { return 1u; }',
    ].join('\n');
    expect(stripWgslComments(source).split('\n')).toEqual([
      '',
      'enable subgroups;',
      '  let x = a + b;',
      '',
      '',
      'fn f() -> u32 { return 1u; }',
    ]);
  });

  it('refuses a block comment rather than half removing it', () => {
    expect(() => stripWgslComments('let x = 1; /* note */', 'k.wgsl')).toThrow(/k\.wgsl/);
  });

  it('keeps the code of every kernel: same lines, each the start of its original, no comment left', () => {
    const files = kernelFiles();
    expect(files.length).toBeGreaterThan(50);
    let before = 0;
    let after = 0;
    for (const file of files) {
      const source = readFileSync(file, 'utf8');
      const stripped = stripWgslComments(source, file);
      const lines = source.split('\n');
      const kept = stripped.split('\n');
      expect(kept.length, file).toBe(lines.length);
      kept.forEach((line, i) => {
        expect(lines[i]!.startsWith(line), `${file}:${i + 1}`).toBe(true);
        expect(line.includes('//'), `${file}:${i + 1}`).toBe(false);
      });
      before += source.length;
      after += stripped.length;
    }
    // The comments are a large share of the kernels' text (the reason the plugin exists).
    expect(after).toBeLessThan(0.8 * before);
  });
});
