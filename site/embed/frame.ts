/**
 * The iframe embed pages, `/embed/<tag>.html?tokens=8192&...`: one widget on a page of its own,
 * for hosts that strip scripts (most learning-management systems) or cannot send CORS headers.
 *
 * - The page names its widget in `<html data-widget="la-race">`; every URL parameter that the
 *   widget documents (its attributes and `theme`) becomes the attribute of the same name, so the
 *   element validates it exactly as it validates attributes written in HTML (the layer in
 *   `src/widgets/shared/attributes.ts`). Other parameters (`id` aside) are ignored with one
 *   console warning.
 * - `theme=light|dark` also sets the page's own theme; `auto` (the default) follows the host's
 *   `data-theme` when the host runs `/embed/frames.js` (it sends `la-embed:theme`), else the system.
 * - The page reports its height to the parent window whenever it changes (a ResizeObserver on the
 *   content), as `{ type: 'la-embed:size', widget, id, height }`; `/embed/frames.js` on the host
 *   sizes the frame from it. A parent that loads later asks with `{ type: 'la-embed:request-size' }`.
 */
import '../styles/base.css';
import './frame.css';
import '../../src/widgets/register.ts';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import {
  attributesOf,
  parseAttribute,
  THEME_ATTRIBUTE,
} from '../../src/widgets/shared/attributes.ts';
import {
  EMBED_RESIZE,
  EMBED_REQUEST_SIZE,
  EMBED_THEME,
  type EmbedSizeMessage,
} from './frame-protocol.ts';

/** The one URL parameter the frame reads itself rather than passing to the widget. */
const FRAME_PARAMETERS = new Set(['id']);

function startFrame(): void {
  const root = document.documentElement;
  const tag = root.dataset.widget ?? '';
  const doc = WIDGET_DOCS.find((d) => d.tag === tag);
  const holder = document.getElementById('frame');
  if (!doc || !holder) {
    console.warn(`Embed page: no widget named "${tag}".`);
    return;
  }
  const params = new URLSearchParams(window.location.search);
  const id = params.get('id');

  // Each documented parameter becomes the attribute of the same name, as written: the element
  // validates it exactly as it validates attributes in HTML (fallback or clamp, one console
  // warning, a short note in the widget).
  const element = document.createElement(tag);
  const documented = attributesOf(doc).map((a) => a.name);
  for (const name of documented) {
    const value = params.get(name);
    if (value !== null) element.setAttribute(name, value);
  }
  // The page around the widget takes its theme too (its background and scrollbars); the element
  // warns about a bad value, so this reads it silently.
  const theme = parseAttribute(THEME_ATTRIBUTE, params.get('theme')).value;
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;

  const ignored = [...new Set(params.keys())].filter(
    (name) => !documented.includes(name) && !FRAME_PARAMETERS.has(name),
  );
  if (ignored.length > 0) {
    console.warn(
      `<${tag}> embed: ignored URL parameter${ignored.length > 1 ? 's' : ''} ${ignored.map((n) => `"${n}"`).join(', ')}; ` +
        `this widget reads ${documented.join(', ')} (and id).`,
    );
  }
  holder.replaceChildren(element);

  // Report the content's height to the parent (if any) whenever it changes.
  let last = -1;
  const report = (force = false) => {
    const height = Math.ceil(holder.getBoundingClientRect().height);
    if (!force && height === last) return;
    last = height;
    if (window.parent === window) return;
    const message: EmbedSizeMessage = { type: EMBED_RESIZE, widget: tag, id, height };
    // The height is not a secret, and the host's origin is unknown here: any parent may read it.
    window.parent.postMessage(message, '*');
  };
  new ResizeObserver(() => report()).observe(holder);
  window.addEventListener('message', (event) => {
    if (event.source !== window.parent) return;
    if (event.data?.type === EMBED_REQUEST_SIZE) report(true);
    // The host's theme, for a frame left on auto: the page root's data-theme is what an auto
    // widget follows (host-theme.svelte.ts), so setting it here is all it takes.
    if (event.data?.type === EMBED_THEME && theme === 'auto') {
      const hostTheme: unknown = event.data.theme;
      if (hostTheme === 'light' || hostTheme === 'dark') root.dataset.theme = hostTheme;
      else delete root.dataset.theme;
    }
  });
}

startFrame();
