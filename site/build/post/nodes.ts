/**
 * Renders the nodes that are not plain Markdown: math (KaTeX), code blocks (shiki), `::wgsl`
 * kernel listings, text directives written by accident, figures with numbered captions, margin
 * asides, the appendix, and paragraphs that hold only a widget tag (not wrapped in <p>).
 */
import type { Nodes, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import { SKIP, visit } from 'unist-util-visit';
import { escapeHtml, type PostContext } from './context.ts';
import { renderKernels } from './kernels.ts';

export function renderNodes(tree: Root, ctx: PostContext): void {
  const { problems, where, renderTex, codeBlock } = ctx;
  visit(tree, (node, index, parent) => {
    if (!parent || index === undefined) return;
    const replace = (value: string) => {
      (parent.children as Nodes[]).splice(index, 1, { type: 'html', value } as Nodes);
    };
    switch (node.type) {
      case 'inlineMath':
        replace(renderTex(node.value, false, node));
        return SKIP;
      case 'math': {
        const id = (node.data?.hProperties as { id?: string } | undefined)?.id;
        replace(
          `<div class="equation"${id ? ` id="${escapeHtml(id)}"` : ''}>${renderTex(node.value, true, node)}</div>`,
        );
        return SKIP;
      }
      case 'code':
        replace(codeBlock(node.value, node.lang ?? 'text', node.meta ?? node.lang ?? 'code'));
        return SKIP;
      case 'leafDirective':
        if (node.name === 'wgsl') {
          replace(renderKernels(node.attributes ?? {}, node, ctx));
          return SKIP;
        }
        problems.push(`unknown directive "::${node.name}" at ${where(node)}`);
        return;
      case 'textDirective': {
        // "time:ms" parses as a text directive; put plain text back when nothing else was meant.
        if (node.attributes && Object.keys(node.attributes).length) {
          problems.push(`unknown text directive ":${node.name}" at ${where(node)}`);
        }
        const label = toString(node);
        (parent.children as Nodes[]).splice(index, 1, {
          type: 'text',
          value: `:${node.name}${label ? `[${label}]` : ''}`,
        });
        return SKIP;
      }
      case 'containerDirective':
        if (node.name === 'figure') {
          const caption = node.children[node.children.length - 1];
          if (!caption || caption.type !== 'paragraph') {
            problems.push(`figure at ${where(node)} must end with a caption paragraph`);
            return;
          }
          const props = node.data?.hProperties as Record<string, string>;
          const kindLabel = props['data-kind'] === 'tbl' ? 'Table' : 'Figure';
          const classes = (node.attributes?.class ?? '').split(/\s+/).filter(Boolean);
          node.data = {
            hName: 'figure',
            hProperties: {
              id: props.id,
              className: ['figure', ...classes.map((c) => `col-${c}`)],
            },
          };
          caption.data = { hName: 'figcaption' };
          caption.children.unshift({
            type: 'html',
            value: `<span class="caption-label">${kindLabel} ${props['data-number']}.</span> `,
          });
          if (props['data-kind'] === 'tbl') node.children.unshift(node.children.pop()!);
        } else if (node.name === 'aside') {
          node.data = { hName: 'div', hProperties: { className: ['aside'], role: 'note' } };
          // One body element, so the margin layout can move the aside's content as a whole.
          const body = {
            type: 'asideBody',
            data: { hName: 'div', hProperties: { className: ['aside-body'] } },
            children: node.children,
          };
          node.children = [body as unknown as (typeof node.children)[number]];
        } else if (node.name === 'appendix') {
          node.data = {
            hName: 'section',
            hProperties: { className: ['appendix'], id: 'appendix', 'aria-label': 'Appendix' },
          };
        } else {
          problems.push(`unknown directive ":::${node.name}" at ${where(node)}`);
        }
        return;
      case 'paragraph': {
        // A paragraph of nothing but raw HTML tags (a widget) should not be wrapped in <p>.
        const onlyHtml = node.children.every(
          (c) => c.type === 'html' || (c.type === 'text' && !c.value.trim()),
        );
        if (onlyHtml && node.children.some((c) => c.type === 'html' && /^<la-/.test(c.value))) {
          (parent.children as Nodes[]).splice(index, 1, {
            type: 'html',
            value: node.children.map((c) => ('value' in c ? c.value : '')).join(''),
          } as Nodes);
          return SKIP;
        }
        return;
      }
      default:
        return;
    }
  });
}
