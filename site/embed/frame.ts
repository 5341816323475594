/**
 * The iframe embed pages, `/embed/<tag>.html?tokens=8192&...`: one widget on a page of its own,
 * for hosts that strip scripts (most learning-management systems) or cannot send CORS headers.
 *
 * - The page names its widget in `<html data-widget="la-race">`; every URL parameter that the
 *   widget documents (its attributes and `theme`) is validated by the layer that validates
 *   attributes (`src/widgets/shared/attributes.ts`): garbage falls back to the default, values out
 *   of range clamp, each with one console warning; the element then gets the values used. Other
 *   parameters (`id` aside) are ignored with one console warning.
 * - `theme=light|dark` also sets the page's own theme; `auto` (the default) follows the system.
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
  createWarner,
  parseAttributes,
} from '../../src/widgets/shared/attributes.ts';
import { EMBED_RESIZE, EMBED_REQUEST_SIZE, type EmbedSizeMessage } from './frame-protocol.ts';

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

  // Validated by the same layer, and with the same sentences, as attributes written in HTML; the
  // element receives only values it can use.
  const { values, corrections } = parseAttributes(doc, (name) => params.get(name));
  createWarner(`<${tag}> embed`)(corrections);
  const corrected = new Set(corrections.map((c) => c.name));
  const element = document.createElement(tag);
  const documented = attributesOf(doc).map((a) => a.name);
  for (const name of documented) {
    const value = values[name];
    if (value === undefined || (!params.has(name) && !corrected.has(name))) continue;
    if (value === false) continue; // an absent boolean attribute is false
    element.setAttribute(name, value === true ? '' : String(value));
  }
  // The page around the widget takes its theme too (its background and scrollbars).
  if (values.theme === 'light' || values.theme === 'dark') root.dataset.theme = values.theme;

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
    if (event.source === window.parent && event.data?.type === EMBED_REQUEST_SIZE) report(true);
  });
}

startFrame();
