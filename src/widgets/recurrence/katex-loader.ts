/**
 * Loads KaTeX only when a widget first typesets something, so it does not weigh on the first load,
 * and gives widgets in shadow roots what KaTeX needs there:
 *
 * - Chromium ignores `@font-face` inside a shadow root, so the font faces go to the document, as a
 *   constructable stylesheet of `@font-face` rules only (it names families KaTeX_*, and styles
 *   nothing of the host page). The font URLs were rewritten by the build to files next to this
 *   module, so the fonts load from our host whatever page embeds the widget.
 * - The rest of KaTeX's stylesheet is adopted into each shadow root that shows math.
 * - `katex.render` builds DOM nodes and sets their styles through CSSOM (`node.style`), which a
 *   Content-Security-Policy without 'unsafe-inline' allows; the HTML string of `renderToString`
 *   carries `style` attributes, which such a policy blocks. So widgets render into an element.
 */
import type { KatexOptions } from 'katex';
import { adoptSheets } from '../shared/widget-styles.ts';

/** Typesets `tex` into `element`, replacing its content. */
export type RenderInto = (tex: string, element: HTMLElement) => void;

interface KatexStyles {
  fonts: CSSStyleSheet;
  rules: CSSStyleSheet;
}

let pending: Promise<{ render: RenderInto; styles: KatexStyles }> | null = null;

/** Splits KaTeX's stylesheet into its `@font-face` rules and everything else. */
export function splitFontFaces(css: string): { fontFaces: string; rest: string } {
  const faces = css.match(/@font-face\s*\{[^}]*\}/g) ?? [];
  return { fontFaces: faces.join('\n'), rest: css.replace(/@font-face\s*\{[^}]*\}/g, '') };
}

async function loadStyles(): Promise<KatexStyles> {
  const { default: css } = await import('./katex-css.ts');
  const { fontFaces, rest } = splitFontFaces(css);
  const fonts = new CSSStyleSheet();
  fonts.replaceSync(fontFaces);
  const rules = new CSSStyleSheet();
  rules.replaceSync(rest);
  return { fonts, rules };
}

/**
 * Resolves to a function that typesets into an element, once KaTeX is loaded and its styles are
 * in place for `root` (the widget's shadow root, or the document).
 */
export async function loadKatex(root: DocumentOrShadowRoot): Promise<RenderInto> {
  pending ??= Promise.all([import('katex'), loadStyles()]).then(([module, styles]) => ({
    render: (tex: string, element: HTMLElement) =>
      module.default.render(tex, element, WIDGET_KATEX_OPTIONS),
    styles,
  }));
  const { render, styles } = await pending;
  adoptSheets(document, [styles.fonts]);
  // In the light DOM (a page that mounts the component directly) the document needs the rules too.
  adoptSheets(root, [styles.rules]);
  return render;
}

/** Options for typesetting widget equations: \htmlClass is trusted so a term can be highlighted. */
export const WIDGET_KATEX_OPTIONS: KatexOptions = {
  throwOnError: false,
  strict: 'ignore',
  trust: (context) => context.command === '\\htmlClass',
};
