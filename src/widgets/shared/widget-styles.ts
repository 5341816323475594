/**
 * The CSS of every widget, for its shadow root, as constructable stylesheets (adoptedStyleSheets):
 * no <style> element is ever inserted, so a host page whose Content-Security-Policy has no
 * `style-src 'unsafe-inline'` still styles the widgets, and nothing here reaches the host page.
 *
 * Three sheets, each built once and shared by every shadow root:
 * - tokens: the design tokens (site/styles/tokens.css) declared on `:host`, dark ones under
 *   `:host(:state(dark))`; a host page overrides any `--la-*` property on the element itself;
 * - shell: a reset on the shell's root (host CSS reaches a shadow tree only through inherited
 *   properties such as `font`, so the shell resets them) and the attribute note;
 * - components: each widget component's compiled CSS, registered by the build (see
 *   site/build/widget-css-plugin.ts) as its module loads.
 */
import tokensCss from '../../../site/styles/tokens.css?inline';

const componentCss: string[] = [];
let componentSheet: CSSStyleSheet | null = null;

/** Called by each widget component's module (the build inserts the call) with its compiled CSS. */
export function addWidgetCss(css: string): void {
  componentCss.push(css);
  // A chunk loaded later (a lazily imported component) extends the one shared sheet in place.
  componentSheet?.replaceSync(componentCss.join('\n'));
}

/**
 * The custom properties declared in the first top-level rule whose selector matches `selector`
 * (a regular expression source), from the source or the minified stylesheet alike.
 */
export function declarationsOf(css: string, selector: string): string {
  const rule = new RegExp(`(?:^|[}\\s/])${selector}\\s*\\{([^}]*)\\}`).exec(css);
  if (!rule) throw new Error(`tokens.css has no rule for ${selector}`);
  return rule[1]!
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d.startsWith('--'))
    .join(';\n  ');
}

/**
 * The design tokens for a shadow root: light on `:host`, dark under the `dark` custom state (and,
 * for browsers without custom states, a `data-la-theme="dark"` attribute on the host).
 */
export function shadowTokensCss(css: string = tokensCss): string {
  const light = declarationsOf(css, ':root');
  const dark = declarationsOf(css, ':root\\[data-theme=[\'"]?dark[\'"]?\\]');
  return [
    `:host {\n  ${light};\n}`,
    `:host(:state(dark)) {\n  ${dark};\n}`,
    `:host([data-la-theme='dark']) {\n  ${dark};\n}`,
  ].join('\n');
}

const SHELL_CSS = `
:host { display: block; }
:host([hidden]) { display: none; }
.la-shell {
  all: initial;
  display: block;
  color-scheme: light;
  font-family: var(--la-font-ui);
  font-size: 16px;
  line-height: 1.45;
  color: var(--la-fg);
  text-align: start;
}
:host(:state(dark)) .la-shell { color-scheme: dark; }
:host([data-la-theme='dark']) .la-shell { color-scheme: dark; }
.la-attribute-note {
  margin: 0 0 0.4rem;
  padding: 0.25rem 0.5rem;
  border-left: 3px solid var(--la-focus);
  background: var(--la-bg-raised);
  color: var(--la-fg-muted);
  font-size: 0.8rem;
}
.la-attribute-note p { margin: 0; }
@media print {
  :host, :host([data-la-theme='dark']) { --la-bg: #fff; --la-fg: #000; }
  :host(:state(dark)) { --la-bg: #fff; --la-fg: #000; }
  .la-shell { color-scheme: light; }
}
`;

let tokenSheet: CSSStyleSheet | null = null;
let shellSheet: CSSStyleSheet | null = null;

function sheetOf(css: string): CSSStyleSheet {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  return sheet;
}

/** The sheets every widget's shadow root adopts, in cascade order. */
export function widgetSheets(): CSSStyleSheet[] {
  tokenSheet ??= sheetOf(shadowTokensCss());
  shellSheet ??= sheetOf(SHELL_CSS);
  componentSheet ??= sheetOf(componentCss.join('\n'));
  return [tokenSheet, shellSheet, componentSheet];
}

/** Adds sheets to a shadow root (or document) once, after those it already has. */
export function adoptSheets(root: DocumentOrShadowRoot, sheets: readonly CSSStyleSheet[]): void {
  const missing = sheets.filter((s) => !root.adoptedStyleSheets.includes(s));
  if (missing.length > 0) root.adoptedStyleSheets = [...root.adoptedStyleSheets, ...missing];
}
