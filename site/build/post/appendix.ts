/**
 * The generated appendix sections (References, Notes, Citation) and their table-of-contents
 * entries, placed inside the authored appendix (or a new one).
 */
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import rehypeRaw from 'rehype-raw';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import { formatReference } from '../bibtex.ts';
import { escapeHtml, type PostContext } from './context.ts';

/** The HTML of References (cited entries in citation order), Notes and Citation (BibTeX). */
export function generatedSections(ctx: PostContext, citation: string): string {
  const { problems, bib, usedIds, toc, citationOrder, footnoteOrder, footnoteHtml, codeBlock } =
    ctx;
  const generated: string[] = [];
  if (citationOrder.length) {
    generated.push(
      `<h2 id="references">References</h2><ol class="references">` +
        citationOrder
          .map((key) => {
            const r = formatReference(bib.get(key)!);
            const title = r.url
              ? `<a href="${escapeHtml(r.url)}">${escapeHtml(r.title)}</a>`
              : escapeHtml(r.title);
            return (
              `<li id="ref-${escapeHtml(key)}">${escapeHtml(r.authors)}${r.year ? ` (${escapeHtml(r.year)})` : ''}. ` +
              `<cite>${title}</cite>${r.venue ? `. ${escapeHtml(r.venue)}` : ''}.</li>`
            );
          })
          .join('') +
        `</ol>`,
    );
  }
  if (footnoteOrder.length) {
    generated.push(
      `<h2 id="notes">Notes</h2><ol class="notes">` +
        footnoteOrder
          .map(
            (id, i) =>
              `<li id="fn-${i + 1}"><div class="note-body">${footnoteHtml.get(id)}</div> <a href="#fnref-${i + 1}" class="footnote-back" aria-label="Back to the text of note ${i + 1}">↩</a></li>`,
          )
          .join('') +
        `</ol>`,
    );
  }
  generated.push(
    `<h2 id="citation">Citation</h2><p>Please cite this work as:</p>` +
      codeBlock(citation, 'bibtex', 'BibTeX'),
  );
  for (const [id, text] of [
    ['references', 'References'],
    ['notes', 'Notes'],
    ['citation', 'Citation'],
  ] as const) {
    if (id !== 'citation' && !(id === 'references' ? citationOrder.length : footnoteOrder.length))
      continue;
    if (usedIds.has(id))
      problems.push(`the id "${id}" is reserved for the generated ${text} section`);
    usedIds.add(id);
    toc.push({ id, depth: 2, number: '', text });
  }
  return generated.join('\n');
}

/** Puts the generated sections at the end of the authored appendix, or in a new one. */
export function attachAppendix(hast: HastRoot, generatedHtml: string): void {
  let appendix: Element | undefined;
  visit(hast, 'element', (el) => {
    if (
      el.tagName === 'section' &&
      (el.properties.className as string[] | undefined)?.includes('appendix')
    ) {
      appendix = el;
    }
  });
  const generatedHast = unified()
    .use(rehypeRaw)
    .runSync({
      type: 'root',
      children: [{ type: 'raw', value: generatedHtml }],
    } as unknown as HastRoot) as HastRoot;
  if (appendix) appendix.children.push(...(generatedHast.children as ElementContent[]));
  else {
    hast.children.push({
      type: 'element',
      tagName: 'section',
      properties: { className: ['appendix'], id: 'appendix', ariaLabel: 'Appendix' },
      children: generatedHast.children as ElementContent[],
    });
  }
}
