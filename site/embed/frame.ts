/**
 * The iframe embed pages, `/embed/<tag>.html?tokens=8192&...`: one widget on a page of its own,
 * for hosts that strip scripts (most learning-management systems) or cannot send CORS headers.
 *
 * - The page names its widget in `<html data-widget="la-race">`; every URL parameter that the
 *   widget documents becomes the attribute of the same name, so the element validates it exactly as
 *   it validates attributes written in HTML. Other parameters (`theme`, `id` aside) are ignored with
 *   one console warning.
 * - `theme=light|dark` fixes the page's theme; without it the page follows the reader's system.
 * - The page reports its height to the parent window whenever it changes (a ResizeObserver on the
 *   content), as `{ type: 'la-embed:size', widget, id, height }`; `/embed/frames.js` on the host
 *   sizes the frame from it. A parent that loads later asks with `{ type: 'la-embed:request-size' }`.
 */
import '../styles/base.css';
import './frame.css';
import '../../src/widgets/register.ts';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import { EMBED_RESIZE, EMBED_REQUEST_SIZE, type EmbedSizeMessage } from './frame-protocol.ts';

/** URL parameters the frame reads itself rather than passing to the widget. */
const FRAME_PARAMETERS = new Set(['theme', 'id']);

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
  const theme = params.get('theme');
  if (theme === 'light' || theme === 'dark') root.dataset.theme = theme;
  else if (theme !== null && theme !== 'auto') {
    console.warn(
      `<${tag}> embed: theme="${theme}" is not one of light, dark, auto; following the system setting.`,
    );
  }
  const id = params.get('id');

  const element = document.createElement(tag);
  const documented = new Set(doc.attributes.map((a) => a.name));
  const ignored: string[] = [];
  for (const [name, value] of params) {
    if (documented.has(name)) element.setAttribute(name, value);
    else if (!FRAME_PARAMETERS.has(name)) ignored.push(name);
  }
  if (ignored.length > 0) {
    console.warn(
      `<${tag}> embed: ignored URL parameter${ignored.length > 1 ? 's' : ''} ${ignored.map((n) => `"${n}"`).join(', ')}; ` +
        `this widget reads ${[...documented].join(', ') || 'none'} (and theme, id).`,
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
    if (event.source === window.parent && event.data?.type === EMBED_REQUEST_SIZE) report(true);
  });
}

startFrame();
