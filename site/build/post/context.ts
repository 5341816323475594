/**
 * What the transforms of one post share (render-post.ts runs them in order): where problems go,
 * how a node's line is named, the numbered targets, the table of contents, the citation and
 * footnote orders, and the KaTeX and code renderers.
 */
import katex from 'katex';
import type { Nodes } from 'mdast';
import type { Highlighter } from 'shiki';
import type { BibEntry } from '../bibtex.ts';
import type { RenderOptions, TocEntry } from '../render-post.ts';

export type Counter = { figure: number; table: number; equation: number; section: number };
export type Target = { kind: 'fig' | 'tbl' | 'eq' | 'sec'; number: string };

export const REF_LABEL: Record<Target['kind'], string> = {
  fig: 'Figure',
  tbl: 'Table',
  eq: 'Equation',
  sec: 'Section',
};

export const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface PostContext {
  options: RenderOptions;
  /** Every problem found, one sentence each; the build fails with all of them. */
  problems: string[];
  /** "line 12" of the post file, for a node of the body. */
  where(node: Nodes): string;
  renderTex(tex: string, displayMode: boolean, node: Nodes): string;
  /** A highlighted code block with its title and a copy button. */
  codeBlock(code: string, lang: string, title: string): string;
  bib: Map<string, BibEntry>;
  targets: Map<string, Target>;
  usedIds: Set<string>;
  toc: TocEntry[];
  /** Bibliography keys in order of first citation. */
  citationOrder: string[];
  /** Footnote identifiers in order of first reference, and each one's HTML. */
  footnoteOrder: string[];
  footnoteHtml: Map<string, string>;
}

export function createContext(input: {
  options: RenderOptions;
  problems: string[];
  bodyLine: number;
  macros: Record<string, string>;
  highlighter: Highlighter;
  bib: Map<string, BibEntry>;
}): PostContext {
  const { problems, bodyLine, macros, highlighter } = input;
  const where = (node: Nodes) =>
    node.position ? `line ${node.position.start.line + bodyLine}` : 'unknown line';
  const renderTex = (tex: string, displayMode: boolean, node: Nodes): string => {
    try {
      return katex.renderToString(tex, {
        displayMode,
        throwOnError: true,
        strict: 'error',
        macros: { ...macros },
        output: 'htmlAndMathml',
      });
    } catch (error) {
      problems.push(`TeX error at ${where(node)}: ${(error as Error).message} in "${tex}"`);
      return `<code class="tex-error">${escapeHtml(tex)}</code>`;
    }
  };

  const highlight = (code: string, lang: string): string => {
    const known = highlighter.getLoadedLanguages().includes(lang);
    return highlighter.codeToHtml(code, {
      lang: known ? lang : 'text',
      themes: { light: 'github-light', dark: 'github-dark' },
      defaultColor: 'light',
    });
  };
  const codeBlock = (code: string, lang: string, title: string): string =>
    `<div class="code-block" data-lang="${escapeHtml(lang)}">` +
    `<div class="code-header"><span class="code-title">${escapeHtml(title)}</span>` +
    `<button type="button" class="copy-button" aria-label="Copy ${escapeHtml(title)} to the clipboard">Copy</button></div>` +
    highlight(code.replace(/\n$/, ''), lang) +
    `</div>`;

  return {
    options: input.options,
    problems,
    where,
    renderTex,
    codeBlock,
    bib: input.bib,
    targets: new Map(),
    usedIds: new Set(),
    toc: [],
    citationOrder: [],
    footnoteOrder: [],
    footnoteHtml: new Map(),
  };
}
