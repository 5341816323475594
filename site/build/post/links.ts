/** Every in-page link must land on an element that exists. */
import type { Root as HastRoot } from 'hast';
import { visit } from 'unist-util-visit';
import type { PostContext } from './context.ts';

export function checkInternalLinks(hast: HastRoot, ctx: PostContext): void {
  const { problems } = ctx;
  const ids = new Set<string>();
  visit(hast, 'element', (el) => {
    if (typeof el.properties.id === 'string') ids.add(el.properties.id);
  });
  visit(hast, 'element', (el) => {
    const href = el.properties.href;
    if (el.tagName === 'a' && typeof href === 'string' && href.startsWith('#')) {
      const target = decodeURIComponent(href.slice(1));
      if (!ids.has(target)) problems.push(`broken internal link "${href}"`);
    }
  });
}
