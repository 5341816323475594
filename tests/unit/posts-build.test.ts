import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findHtmlEntries } from '../../site/build/posts-plugin.ts';
import { PostBuildError, renderPost } from '../../site/build/render-post.ts';

const fixtures = resolve(import.meta.dirname, '../fixtures');
const options = (name: string) => ({
  file: resolve(fixtures, 'posts', name),
  kernelsDir: resolve(fixtures, 'kernels'),
  macrosFile: resolve(fixtures, 'posts/macros.tex'),
});
const read = (name: string) => readFileSync(resolve(fixtures, 'posts', name), 'utf8');

/** Renders `source` and returns the problems it was rejected for ([] if it rendered). */
async function problemsOf(source: string, name = 'good.md'): Promise<string[]> {
  try {
    await renderPost(source, options(name));
    return [];
  } catch (error) {
    if (error instanceof PostBuildError) return error.problems;
    throw error;
  }
}

describe('the post build', () => {
  it('renders a fixture post whose every reference resolves', async () => {
    const post = await renderPost(read('good.md'), options('good.md'));
    expect(post.meta.title).toBe('A good post');
    expect(post.html).toContain('class="katex"');
    expect(post.html).toMatch(/<div class="equation" id="eq-state">/);
    expect(post.html).toContain(
      '<a class="xref" href="#eq-state" data-preview="eq-state">Equation\u00a0(1)</a>',
    );
    expect(post.html).toContain(
      '<a class="xref" href="#fig-widget" data-preview="fig-widget">Figure\u00a01</a>',
    );
    expect(post.html).toContain('<a class="xref" href="#sec-first">Section\u00a01</a>');
    expect(post.html).toMatch(
      /<figure id="fig-widget"[^>]*>\s*<la-race tokens="1024"><p class="la-fallback">The race: [^<]+<\/p><\/la-race>/,
    );
    expect(post.html).toContain('<span class="caption-label">Figure 1.</span>');
    expect(post.html).toContain('href="#ref-known2020"');
    expect(post.html).toContain('Jane Doe and Richard Roe (2020)');
    expect(post.html).toContain('class="sidenote"');
    expect(post.html).toContain('id="fn-1"');
    // The kernel is the file's text, highlighted by shiki.
    expect(post.html).toContain('workgroup_size');
    expect(post.html).toContain('class="shiki');
    // Outside KaTeX's MathML annotations (which keep the source on purpose) no TeX is left.
    const visible = post.html.replace(/<annotation[\s\S]*?<\/annotation>/g, '');
    expect(visible).not.toMatch(/\$|\\label|\\tag\{|\\frac/);
    expect(post.citation).toMatch(/^@misc\{good2026,\n {2}author = \{Ada Tester\},/);
    expect(post.toc.map((t) => t.id)).toEqual(['sec-first', 'references', 'notes', 'citation']);
  });

  it('fails on a broken TeX expression', async () => {
    const problems = await problemsOf(read('broken-tex.md'), 'broken-tex.md');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^TeX error at line 11: KaTeX parse error/);
  });

  it('fails on a cross-reference to a label that does not exist', async () => {
    const problems = await problemsOf(read('broken-xref.md'), 'broken-xref.md');
    expect(problems).toEqual(['broken cross-reference "@eq-missing" at line 20']);
  });

  it('fails on an unknown citation, a missing kernel, a dangling link and an unused note', async () => {
    const source = read('good.md')
      .replace('[@known2020]', '[@unknown1999]')
      .replace('example.wgsl', 'no-such-kernel.wgsl')
      .replace('see also @sec-first.', 'see also [here](#nowhere).')
      .concat('\n[^unused]: Never referenced.\n');
    const problems = await problemsOf(source);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^unknown citation "@unknown1999"/),
        expect.stringMatching(/^kernel file "no-such-kernel.wgsl"/),
        'broken internal link "#nowhere"',
        'footnote [^unused] is defined but never used',
      ]),
    );
  });

  it('lists kernels by pattern, in the order given, and fails on a required pattern that matches nothing', async () => {
    const listed = await renderPost(
      read('good.md').replace('file="example.wgsl"', 'match="?softmax-*.wgsl exa*.wgsl *.wgsl"'),
      options('good.md'),
    );
    const shown = [...listed.html.matchAll(/<summary><code>([\w-]+\.wgsl)<\/code>/g)].map(
      (m) => m[1],
    );
    expect(shown).toEqual(['example.wgsl', 'another.wgsl']);
    const problems = await problemsOf(
      read('good.md').replace('file="example.wgsl"', 'match="softmax-*.wgsl"'),
    );
    expect(problems).toEqual([expect.stringMatching(/^no kernel matches "softmax-\*\.wgsl"/)]);
  });

  it('fails when a TeX macro is undefined, even in display maths', async () => {
    const source = read('good.md').replace('y = S q', 'y = \\undefinedmacro{S} q');
    const problems = await problemsOf(source);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/Undefined control sequence: \\undefinedmacro/);
  });

  it('fails on a figure without an id and on a duplicate label', async () => {
    const source = read('good.md')
      .replace(':::figure{#fig-widget}', ':::figure')
      .replace('@fig-widget illustrates', 'the figure illustrates')
      .concat('\n$$\nz = 1\n\\label{eq-state}\n$$\n');
    const problems = await problemsOf(source);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^figure at line \d+ needs an id/),
        expect.stringMatching(/^duplicate id "eq-state"/),
      ]),
    );
  });

  it('finds every index.html under the site root as a build input', () => {
    const entries = findHtmlEntries(resolve(import.meta.dirname, '../../site'));
    expect(entries.index).toMatch(/site\/index\.html$/);
    expect(entries['harness/index']).toMatch(/site\/harness\/index\.html$/);
  });
});
