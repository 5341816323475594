/**
 * The embed bundle, built to the fixed path `embed/widgets.js` so course authors can load it from
 * another site:
 *
 *   <script type="module" src="https://<host>/embed/widgets.js"></script>
 *
 * It defines every <la-*> element and adds the design tokens to the page (unless the page already
 * has them). Everything else it needs travels inside the JavaScript or is addressed relative to
 * this module (`import.meta.url`): reference data is bundled, and KaTeX with its stylesheet and
 * fonts is fetched from this host only when a widget first typesets math.
 */
import tokens from '../styles/tokens.css?inline';
import '../../src/widgets/register.ts';

const TOKENS_ID = 'la-widget-tokens';

function addTokens(): void {
  if (document.getElementById(TOKENS_ID)) return;
  // The article (and any page with tokens.css) already defines them.
  if (getComputedStyle(document.documentElement).getPropertyValue('--la-bg').trim() !== '') return;
  const style = document.createElement('style');
  style.id = TOKENS_ID;
  // `color-scheme` would change the host page's own form controls and canvas, so it stays out;
  // the --la-* properties only reach our widgets. Prepended, so the page's own CSS can override.
  style.textContent = tokens.replace(/color-scheme:[^;]*;/g, '');
  document.head.prepend(style);
}

addTokens();
