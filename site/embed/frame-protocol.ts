/**
 * The messages between an iframe embed page (`/embed/<tag>.html`) and its host page. The host side
 * is `site/public/embed/frames.js`, a classic script that repeats these names (it imports nothing,
 * so that it loads without CORS); a unit test keeps the two in step.
 */

/** Sent by the embed page to its parent whenever its content's height changes. */
export const EMBED_RESIZE = 'la-embed:size';
/** Sent by a host to an embed page to ask for its height now (the host script may load late). */
export const EMBED_REQUEST_SIZE = 'la-embed:request-size';
/**
 * Sent by a host to an embed page with the host's theme: `{ type, theme }`, theme "light", "dark"
 * (the host's `<html data-theme>`) or null (none: follow the reader's system setting). A frame
 * whose `theme` parameter is `auto` (the default) follows it; a frame cannot read its host's DOM.
 */
export const EMBED_THEME = 'la-embed:theme';

export interface EmbedSizeMessage {
  type: typeof EMBED_RESIZE;
  /** The widget's tag, e.g. "la-race". */
  widget: string;
  /** The `id` URL parameter of the embed page, or null: lets a host tell its frames apart. */
  id: string | null;
  /** The content's height in CSS pixels, rounded up. */
  height: number;
}
