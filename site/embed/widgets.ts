/**
 * The embed bundle, built to the fixed path `embed/widgets.js` so course authors can load it from
 * another site:
 *
 *   <script type="module" src="https://<host>/embed/widgets.js"></script>
 *
 * It defines every <la-*> element. Each renders in its own shadow root with its design tokens and
 * styles adopted there, so nothing is added to the host page's styles (the one exception: KaTeX's
 * `@font-face` rules, which Chromium honours only at document level, are adopted by the document
 * when a widget first typesets math). Reference data is bundled; KaTeX and its fonts are fetched
 * from this host, relative to this module (`import.meta.url`).
 */
import '../../src/widgets/register.ts';
