/** Reading time counts the prose, before math and code turn into markup. */
import type { Root } from 'mdast';
import { visit } from 'unist-util-visit';

/** Words of prose in the tree; each formula counts two. */
export function countWords(tree: Root): number {
  let words = 0;
  visit(tree, (node) => {
    if (node.type === 'text') words += node.value.split(/\s+/).filter(Boolean).length;
    else if (node.type === 'inlineMath' || node.type === 'math') words += 2;
  });

  return words;
}
