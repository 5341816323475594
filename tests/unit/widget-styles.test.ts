import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { splitFontFaces } from '../../src/widgets/recurrence/katex-loader.ts';
import { shadowTokensCss } from '../../src/widgets/shared/widget-styles.ts';

const tokens = readFileSync('site/styles/tokens.css', 'utf8');
/** What the build makes of it: comments gone, whitespace squeezed. */
const minified = tokens
  .replace(/\/\*[\s\S]*?\*\//g, '')
  .replace(/\s*([{};:,])\s*/g, '$1')
  .replace(/\s+/g, ' ');

describe('the shadow-root stylesheets', () => {
  for (const [name, css] of [
    ['source', tokens],
    ['minified', minified],
  ] as const) {
    it(`declares every token on :host and the dark ones under the dark state (${name} tokens.css)`, () => {
      const out = shadowTokensCss(css);
      const [light, dark] = out.split(':host(:state(dark))');
      expect(light).toMatch(/--la-bg:\s*#fdfdfb/);
      expect(light).toMatch(/--la-font-ui:/);
      expect(dark).toMatch(/--la-bg:\s*#17181b/);
      expect(dark).not.toMatch(/#fdfdfb/);
      // Never `color-scheme` on :host: it would reach the host's element box.
      expect(out).not.toMatch(/color-scheme/);
      expect(out.match(/--la-linear-chunked:/g)).toHaveLength(3);
    });
  }

  it("moves every @font-face of KaTeX's stylesheet out, and nothing else", () => {
    const css = readFileSync('node_modules/katex/dist/katex.min.css', 'utf8');
    const { fontFaces, rest } = splitFontFaces(css);
    expect(fontFaces.match(/@font-face/g)).toHaveLength(20);
    expect(rest).not.toMatch(/@font-face|url\(/);
    expect(rest).toMatch(/\.katex\{/);
    expect(fontFaces.length + rest.length).toBeGreaterThan(css.length - 100);
  });
});
