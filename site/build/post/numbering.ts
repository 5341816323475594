/**
 * Pass 1: numbers sections, figures, tables and equations, registers their ids as targets of
 * cross-references, and builds the table of contents.
 */
import type { Heading, Nodes, Root, RootContent } from 'mdast';
import { toString } from 'mdast-util-to-string';
import type { Counter, PostContext, Target } from './context.ts';

/** Parses a trailing `{#id .class}` from a heading and removes it from the text. */
function takeHeadingAttributes(node: Heading): { id: string | null; classes: string[] } {
  const last = node.children[node.children.length - 1];
  if (!last || last.type !== 'text') return { id: null, classes: [] };
  const match = /\s*\{([^{}]*)\}\s*$/.exec(last.value);
  if (!match) return { id: null, classes: [] };
  last.value = last.value.slice(0, match.index);
  const parts = match[1]!.trim().split(/\s+/);
  return {
    id: parts.find((p) => p.startsWith('#'))?.slice(1) ?? null,
    classes: parts.filter((p) => p.startsWith('.')).map((p) => p.slice(1)),
  };
}

const slugify = (text: string) =>
  text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/\s+/g, '-');

export function numberTargets(tree: Root, ctx: PostContext): void {
  const { problems, where, targets, toc, usedIds } = ctx;
  const counter: Counter = { figure: 0, table: 0, equation: 0, section: 0 };
  const register = (id: string, target: Target, node: Nodes) => {
    if (targets.has(id) || usedIds.has(id)) problems.push(`duplicate id "${id}" at ${where(node)}`);
    targets.set(id, target);
    usedIds.add(id);
  };

  const numberTree = (nodes: RootContent[], inAppendix: boolean) => {
    for (const node of nodes) {
      if (node.type === 'heading') {
        const { id: explicit, classes } = takeHeadingAttributes(node);
        const text = toString(node).trim();
        let id = explicit ?? slugify(text);
        if (!explicit && usedIds.has(id)) id = `${id}-${usedIds.size}`;
        const numbered = node.depth === 2 && !inAppendix && !classes.includes('unnumbered');
        const number = numbered ? String(++counter.section) : '';
        if (explicit?.startsWith('sec-') && !numbered) {
          problems.push(
            `section "${explicit}" at ${where(node)} is unnumbered and cannot be referenced`,
          );
        }
        register(id, { kind: 'sec', number }, node);
        node.data = { hProperties: { id, className: classes } };
        if (number) {
          node.children.unshift({
            type: 'html',
            value: `<span class="section-number">${number}</span> `,
          });
        }
        if (node.depth === 2 || node.depth === 3) toc.push({ id, depth: node.depth, number, text });
      } else if (node.type === 'math') {
        const label = /\\label\{([^}]+)\}/.exec(node.value);
        if (label) {
          const id = label[1]!.replace(/^eq:/, 'eq-');
          if (!id.startsWith('eq-')) problems.push(`equation label "${id}" must start with eq-`);
          const number = String(++counter.equation);
          register(id, { kind: 'eq', number }, node);
          node.data = { ...node.data, hProperties: { id } };
          node.value = node.value.replace(label[0], `\\tag{${number}}`);
        }
      } else if (node.type === 'containerDirective') {
        if (node.name === 'figure') {
          const id = node.attributes?.id ?? null;
          const kind = id?.startsWith('tbl-') ? 'tbl' : 'fig';
          const number = String(kind === 'tbl' ? ++counter.table : ++counter.figure);
          if (id) register(id, { kind, number }, node);
          else problems.push(`figure at ${where(node)} needs an id (#fig-... or #tbl-...)`);
          node.data = {
            ...node.data,
            hProperties: { id: id ?? undefined, 'data-number': number, 'data-kind': kind },
          };
        }
        numberTree(node.children, inAppendix || node.name === 'appendix');
      } else if ('children' in node && node.type !== 'footnoteDefinition') {
        numberTree(node.children as RootContent[], inAppendix);
      }
    }
  };
  numberTree(tree.children, false);
}
