/**
 * Footnotes: numbered in order of first reference; each becomes a margin note beside its line and
 * an entry under Notes (the appendix). Unused and undefined footnotes are problems.
 */
import type { Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { FootnoteDefinition, PhrasingContent, Root } from 'mdast';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { SKIP, visit } from 'unist-util-visit';
import type { PostContext } from './context.ts';

export function renderFootnotes(tree: Root, ctx: PostContext): void {
  const { problems, where, footnoteOrder, footnoteHtml } = ctx;
  const footnoteDefs = new Map<string, FootnoteDefinition>();
  visit(tree, 'footnoteDefinition', (node) => {
    footnoteDefs.set(node.identifier, node);
  });
  const renderInline = (def: FootnoteDefinition): string => {
    const hast = unified()
      .use(remarkRehype, { allowDangerousHtml: true })
      .runSync({ type: 'root', children: def.children } as Root);
    return toHtml(hast as HastRoot, { allowDangerousHtml: true });
  };
  visit(tree, 'footnoteReference', (node, index, parent) => {
    if (!parent || index === undefined) return;
    const def = footnoteDefs.get(node.identifier);
    if (!def) {
      problems.push(
        `footnote [^${node.label ?? node.identifier}] at ${where(node)} has no definition`,
      );
      return;
    }
    if (!footnoteOrder.includes(node.identifier)) footnoteOrder.push(node.identifier);
    const n = footnoteOrder.indexOf(node.identifier) + 1;
    if (!footnoteHtml.has(node.identifier)) footnoteHtml.set(node.identifier, renderInline(def));
    const inline = footnoteHtml
      .get(node.identifier)!
      .replace(/<\/p>\s*<p>/g, '<br><br>')
      .replace(/<\/?p>/g, '');
    (parent.children as PhrasingContent[]).splice(index, 1, {
      type: 'html',
      value:
        `<sup class="footnote-ref"><a href="#fn-${n}" id="fnref-${n}" data-preview="fn-${n}" aria-label="Note ${n}">${n}</a></sup>` +
        `<span class="sidenote"><span class="sidenote-number">${n}</span> ${inline}</span>`,
    });
    return SKIP;
  });
  visit(tree, 'footnoteDefinition', (_node, index, parent) => {
    if (!parent || index === undefined) return;
    parent.children.splice(index, 1);
    return [SKIP, index];
  });
  for (const id of footnoteDefs.keys()) {
    if (!footnoteOrder.includes(id)) problems.push(`footnote [^${id}] is defined but never used`);
  }
}
