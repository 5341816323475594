/**
 * Citations `[@key; @other]` become numbered links to the references (numbered in order of first
 * citation), and `@fig-name`, `@tbl-name`, `@eq-name`, `@sec-name` become cross-reference links
 * to the targets pass 1 numbered.
 */
import type { Nodes, PhrasingContent, Root, Text } from 'mdast';
import { SKIP, visit } from 'unist-util-visit';
import { escapeHtml, REF_LABEL, type PostContext } from './context.ts';

export function linkCitationsAndReferences(tree: Root, ctx: PostContext): void {
  const { problems, where, bib, targets, citationOrder } = ctx;
  const citeHtml = (keys: string[], node: Nodes): string => {
    const links = keys.map((key) => {
      if (!bib.has(key)) {
        problems.push(`unknown citation "@${key}" at ${where(node)}`);
        return `<span class="citation-missing">?</span>`;
      }
      if (!citationOrder.includes(key)) citationOrder.push(key);
      const n = citationOrder.indexOf(key) + 1;
      return `<a class="citation" href="#ref-${escapeHtml(key)}" data-preview="ref-${escapeHtml(key)}">${n}</a>`;
    });
    return `<span class="citation-group">[${links.join(', ')}]</span>`;
  };
  const xrefHtml = (id: string, node: Nodes): string => {
    const target = targets.get(id);
    if (!target) {
      problems.push(`broken cross-reference "@${id}" at ${where(node)}`);
      return `<span class="xref-missing">??</span>`;
    }
    const label = target.kind === 'eq' ? `(${target.number})` : target.number;
    const preview = target.kind === 'sec' ? '' : ` data-preview="${escapeHtml(id)}"`;
    return `<a class="xref" href="#${escapeHtml(id)}"${preview}>${REF_LABEL[target.kind]}&nbsp;${label}</a>`;
  };

  const TOKEN = /\[((?:@[\w:.-]+\s*;?\s*)+)\]|(?<![\w@])@((?:fig|tbl|eq|sec)-[\w-]*\w)/g;
  visit(tree, 'text', (node: Text, index, parent) => {
    if (!parent || index === undefined) return;
    if (!TOKEN.test(node.value)) return;
    TOKEN.lastIndex = 0;
    const parts: PhrasingContent[] = [];
    let last = 0;
    for (const match of node.value.matchAll(TOKEN)) {
      if (match.index > last)
        parts.push({ type: 'text', value: node.value.slice(last, match.index) });
      const html = match[1]
        ? citeHtml(
            match[1]
              .split(';')
              .map((k) => k.trim().replace(/^@/, ''))
              .filter(Boolean),
            node,
          )
        : xrefHtml(match[2]!, node);
      parts.push({ type: 'html', value: html });
      last = match.index + match[0].length;
    }
    if (last < node.value.length) parts.push({ type: 'text', value: node.value.slice(last) });
    (parent.children as PhrasingContent[]).splice(index, 1, ...parts);
    return [SKIP, index + parts.length];
  });
}
