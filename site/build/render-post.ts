/**
 * Turns one Markdown post into HTML at build time, as a sequence of small transforms, one file each
 * in site/build/post/ (words, numbering, references, nodes, kernels, footnotes, appendix, links):
 * KaTeX for math (numbered, labelled display
 * equations), figures with numbered captions, cross-references, BibTeX citations, footnotes that
 * become margin notes, margin asides, shiki-highlighted code, and WGSL kernels read from the real
 * files. Every problem (a TeX error, an unknown citation or reference, a missing kernel file, a link
 * to an id that does not exist) is collected and thrown as one PostBuildError, so the build fails.
 *
 * Syntax, beyond CommonMark + GFM:
 * - math: `$x$` inline, `$$ ... \label{eq-name} $$` numbered display; macros in posts/macros.tex.
 * - sections: `## Title {#sec-name}`; h2 outside the appendix are numbered.
 * - figures: `:::figure{#fig-name .page}` body... last paragraph = caption `:::`; `#tbl-` for tables.
 * - references in prose: `@fig-name`, `@tbl-name`, `@eq-name`, `@sec-name`.
 * - citations: `[@key]` or `[@a; @b]` from the post's bibliography.
 * - footnotes: GFM `[^name]`, shown in the margin beside their line and listed under Notes.
 * - asides: `:::aside ... :::` after a paragraph puts it in the margin beside that paragraph.
 * - appendix: `:::appendix ... :::` (its h2 are unnumbered; References, Notes, Citation follow).
 * - widgets: `<la-race tokens="4096"></la-race>` inside a figure; not wrapped in a <p>.
 * - measured numbers: `{{time linear-chunked 65536}}`, resolved from data/ (data-tokens.ts).
 * - kernels: `::wgsl{file="softmax-flash.wgsl"}` or `::wgsl{match="softmax-*.wgsl ?linear-*.wgsl"}`
 *   (patterns in display order; a missing file or an unmatched pattern without `?` is an error).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import katex from 'katex';
import type { Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import type { Root } from 'mdast';
import { createHighlighter, type Highlighter } from 'shiki';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import rehypeRaw from 'rehype-raw';
import { unified } from 'unified';
import { parse as parseYaml } from 'yaml';
import { WIDGET_DOC_LIST } from '../../src/widgets/docs.ts';
import { addWidgetFallbacks } from '../../src/widgets/shared/fallback.ts';
import {
  adaptReference,
  type ReferenceDataset,
} from '../../src/widgets/shared/reference-dataset.ts';
import { parseBibtex, type BibEntry } from './bibtex.ts';
import { applyDataTokens } from './data-tokens.ts';
import { attachAppendix, generatedSections } from './post/appendix.ts';
import { createContext } from './post/context.ts';
import { renderFootnotes } from './post/footnotes.ts';
import { checkInternalLinks } from './post/links.ts';
import { renderNodes } from './post/nodes.ts';
import { numberTargets } from './post/numbering.ts';
import { linkCitationsAndReferences } from './post/references.ts';
import { countWords } from './post/words.ts';

/** A post's author as written in front matter (a string or an object). */
export interface Author {
  name: string;
  affiliation?: string;
  url?: string;
}

/** Front matter, validated. */
export interface PostMeta {
  slug: string;
  title: string;
  subtitle: string;
  authors: Author[];
  /** ISO date, e.g. 2026-11-29. */
  date: string;
  description: string;
  /** Path of the .bib file, relative to the post. */
  bibliography: string | null;
  /** Canonical URL for the citation block, if known. */
  url: string | null;
}

/** One table-of-contents entry (h2 and h3). */
export interface TocEntry {
  id: string;
  depth: 2 | 3;
  /** "3" for a numbered h2, "" otherwise. */
  number: string;
  text: string;
}

/** The result of rendering one post. */
export interface RenderedPost {
  meta: PostMeta;
  /** The article body, appendix included, as HTML. */
  html: string;
  toc: TocEntry[];
  readingMinutes: number;
  /** The "cite this article" BibTeX. */
  citation: string;
}

/** Where a post's resources live. */
export interface RenderOptions {
  /** The post's file, for error messages and to resolve the bibliography. */
  file: string;
  /** Directory of `.wgsl` kernels that `::wgsl` reads. */
  kernelsDir: string;
  /** A TeX file of \newcommand definitions shared by every post; null for none. */
  macrosFile: string | null;
  /** Where `{{...}}` data tokens read from (data-tokens.ts); default: `data/` beside the posts. */
  dataDir?: string;
}

/** Every problem found in one post, one per line. */
export class PostBuildError extends Error {
  constructor(
    file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length} problem(s)\n  - ${problems.join('\n  - ')}`);
    this.name = 'PostBuildError';
  }
}

let highlighterPromise: Promise<Highlighter> | null = null;
/** One shiki highlighter per process: loading grammars is the slow part. */
function getHighlighter(): Promise<Highlighter> {
  highlighterPromise ??= createHighlighter({
    themes: ['github-light', 'github-dark'],
    langs: ['wgsl', 'typescript', 'javascript', 'python', 'shellscript', 'json', 'bibtex'],
  });
  return highlighterPromise;
}

/** Splits `---` YAML front matter from the Markdown and validates the fields. */
export function parseFrontMatter(
  source: string,
  file: string,
): { meta: PostMeta; body: string; bodyLine: number } {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(source);
  if (!match) throw new PostBuildError(file, ['missing front matter (--- yaml ---)']);
  const data = (parseYaml(match[1]!) ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const str = (key: string, required: boolean): string => {
    const value = data[key];
    if (value instanceof Date) return value.toISOString().slice(0, 10);
    if (typeof value === 'string' || typeof value === 'number') return String(value);
    if (required) problems.push(`front matter: "${key}" is required`);
    return '';
  };
  const rawAuthors = Array.isArray(data.authors)
    ? data.authors
    : data.authors
      ? [data.authors]
      : [];
  const authors: Author[] = rawAuthors.map((a) =>
    typeof a === 'string' ? { name: a } : (a as Author),
  );
  if (authors.length === 0) problems.push('front matter: "authors" is required');
  const meta: PostMeta = {
    slug: basename(file).replace(/\.md$/, ''),
    title: str('title', true),
    subtitle: str('subtitle', false),
    authors,
    date: str('date', true),
    description: str('description', true),
    bibliography: str('bibliography', false) || null,
    url: str('url', false) || null,
  };
  if (problems.length) throw new PostBuildError(file, problems);
  return { meta, body: source.slice(match[0].length), bodyLine: match[0].split('\n').length - 1 };
}

/** Loads shared macros by letting KaTeX itself read the \newcommand definitions. */
function loadMacros(file: string | null, problems: string[]): Record<string, string> {
  const macros: Record<string, string> = {};
  if (!file) return macros;
  try {
    katex.renderToString(readFileSync(file, 'utf8'), {
      macros,
      globalGroup: true,
      throwOnError: true,
    });
  } catch (error) {
    problems.push(`macros ${file}: ${(error as Error).message}`);
  }
  return macros;
}

/** Renders a post from its Markdown source. Throws PostBuildError listing every problem. */
/**
 * The reference dataset the widgets show first, for the fallback text of widget tags; null
 * without it. `dataDir` defaults to data/ beside the posts folder, as for the data tokens.
 */
function referenceForFallbacks(postFile: string, dataDir?: string): ReferenceDataset | null {
  const file = resolve(dataDir ?? resolve(postFile, '..', '..', 'data'), 'reference-h200.json');
  return existsSync(file) ? adaptReference(JSON.parse(readFileSync(file, 'utf8'))) : null;
}

export async function renderPost(markdown: string, options: RenderOptions): Promise<RenderedPost> {
  // Measured numbers first: `{{time linear-chunked 65536}}` becomes "3.54 ms" from data/.
  const numbers = applyDataTokens(markdown, options.file, options.dataDir);
  const { meta, body, bodyLine } = parseFrontMatter(numbers.text, options.file);
  const problems: string[] = [...numbers.problems];
  const ctx = createContext({
    options,
    problems,
    bodyLine,
    macros: loadMacros(options.macrosFile, problems),
    highlighter: await getHighlighter(),
    bib: loadBibliography(meta, options.file, problems),
  });

  const tree = unified()
    .use(remarkParse)
    .use(remarkGfm)
    .use(remarkMath)
    .use(remarkDirective)
    .parse(body) as Root;
  const words = countWords(tree);
  numberTargets(tree, ctx);
  linkCitationsAndReferences(tree, ctx);
  renderNodes(tree, ctx);
  renderFootnotes(tree, ctx);
  const citation = citationBibtex(meta);
  const generatedHtml = generatedSections(ctx, citation);
  const hast = (await unified()
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeRaw)
    .run(tree)) as HastRoot;
  attachAppendix(hast, generatedHtml);
  checkInternalLinks(hast, ctx);

  if (problems.length) throw new PostBuildError(options.file, problems);
  return {
    meta,
    // Empty widget tags get fallback text, shown until the widget script loads (or if it cannot).
    html: addWidgetFallbacks(
      toHtml(hast, { allowDangerousHtml: true }),
      WIDGET_DOC_LIST,
      referenceForFallbacks(options.file, options.dataDir),
    ),
    toc: ctx.toc,
    readingMinutes: Math.max(1, Math.round(words / 230)),
    citation,
  };
}

/** The post's bibliography (front matter `bibliography`), by key; a file that fails is a problem. */
function loadBibliography(
  meta: PostMeta,
  postFile: string,
  problems: string[],
): Map<string, BibEntry> {
  const bib = new Map<string, BibEntry>();
  if (meta.bibliography) {
    const bibFile = resolve(dirname(postFile), meta.bibliography);
    try {
      for (const entry of parseBibtex(readFileSync(bibFile, 'utf8'))) bib.set(entry.key, entry);
    } catch (error) {
      problems.push(`bibliography ${bibFile}: ${(error as Error).message}`);
    }
  }
  return bib;
}

/** The "cite this article" BibTeX entry, from the front matter. */
export function citationBibtex(meta: PostMeta): string {
  const year = meta.date.slice(0, 4);
  const fields: [string, string][] = [
    ['author', meta.authors.map((a) => a.name).join(' and ')],
    ['title', meta.title],
    ['year', year],
    ['note', meta.subtitle ? `${meta.subtitle}. Interactive article` : 'Interactive article'],
  ];
  if (meta.url) fields.push(['url', meta.url]);
  return (
    `@misc{${meta.slug.replace(/[^a-z0-9]/gi, '').toLowerCase()}${year},\n` +
    fields.map(([k, v]) => `  ${k.padEnd(6)} = {${v}},`).join('\n') +
    `\n}`
  );
}
