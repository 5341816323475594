/**
 * Loads KaTeX only when a widget first typesets something, so it does not weigh on the first load.
 * Pages that already ship KaTeX's stylesheet (the article) keep theirs; elsewhere (an embedding page)
 * the stylesheet is injected once. Its font URLs were rewritten by the build to absolute URLs next
 * to this module, so the fonts load from our host whatever page embeds the widget.
 */
import type { KatexOptions } from 'katex';

type RenderToString = (tex: string, options?: KatexOptions) => string;

let pending: Promise<RenderToString> | null = null;

/** Resolves to `katex.renderToString` once KaTeX and its stylesheet are available. */
export function loadKatex(): Promise<RenderToString> {
  pending ??= Promise.all([import('katex'), ensureKatexStylesheet()]).then(
    ([module]) => module.default.renderToString,
  );
  return pending;
}

async function ensureKatexStylesheet(): Promise<void> {
  if (typeof document === 'undefined' || hasKatexStylesheet()) return;
  const { default: css } = await import('katex/dist/katex.min.css?inline');
  if (hasKatexStylesheet()) return;
  const style = document.createElement('style');
  style.dataset.laKatex = '';
  style.textContent = css;
  document.head.append(style);
}

/** A probe element takes KaTeX's font family only if some stylesheet on the page styles `.katex`. */
function hasKatexStylesheet(): boolean {
  if (document.querySelector('style[data-la-katex]')) return true;
  const probe = document.createElement('span');
  probe.className = 'katex';
  probe.style.cssText = 'position:absolute;visibility:hidden';
  document.body.append(probe);
  const family = getComputedStyle(probe).fontFamily;
  probe.remove();
  return family.includes('KaTeX');
}

/** Options for typesetting widget equations: \htmlClass is trusted so a term can be highlighted. */
export const WIDGET_KATEX_OPTIONS: KatexOptions = {
  throwOnError: false,
  strict: 'ignore',
  trust: (context) => context.command === '\\htmlClass',
};
