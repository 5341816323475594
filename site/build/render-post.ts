/**
 * Turns one Markdown post into HTML at build time: KaTeX for math (numbered, labelled display
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
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import katex from 'katex';
import type { Element, ElementContent, Root as HastRoot } from 'hast';
import { toHtml } from 'hast-util-to-html';
import { WIDGET_DOC_LIST } from '../../src/widgets/docs.ts';
import { addWidgetFallbacks } from '../../src/widgets/shared/fallback.ts';
import {
  adaptReference,
  type ReferenceDataset,
} from '../../src/widgets/shared/reference-dataset.ts';
import type {
  Heading,
  Nodes,
  PhrasingContent,
  Root,
  RootContent,
  Text,
  FootnoteDefinition,
} from 'mdast';
import { toString } from 'mdast-util-to-string';
import { createHighlighter, type Highlighter } from 'shiki';
import remarkDirective from 'remark-directive';
import remarkGfm from 'remark-gfm';
import remarkMath from 'remark-math';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import rehypeRaw from 'rehype-raw';
import { unified } from 'unified';
import { visit, SKIP } from 'unist-util-visit';
import { parse as parseYaml } from 'yaml';
import { formatReference, parseBibtex, type BibEntry } from './bibtex.ts';
import { applyDataTokens } from './data-tokens.ts';

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

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

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

type Counter = { figure: number; table: number; equation: number; section: number };
type Target = { kind: 'fig' | 'tbl' | 'eq' | 'sec'; number: string };

const REF_LABEL: Record<Target['kind'], string> = {
  fig: 'Figure',
  tbl: 'Table',
  eq: 'Equation',
  sec: 'Section',
};

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
  const source = numbers.text;
  const { meta, body, bodyLine } = parseFrontMatter(source, options.file);
  const problems: string[] = [...numbers.problems];
  const where = (node: Nodes) =>
    node.position ? `line ${node.position.start.line + bodyLine}` : 'unknown line';
  const macros = loadMacros(options.macrosFile, problems);
  const highlighter = await getHighlighter();

  // Bibliography.
  const bib = new Map<string, BibEntry>();
  if (meta.bibliography) {
    const bibFile = resolve(dirname(options.file), meta.bibliography);
    try {
      for (const entry of parseBibtex(readFileSync(bibFile, 'utf8'))) bib.set(entry.key, entry);
    } catch (error) {
      problems.push(`bibliography ${bibFile}: ${(error as Error).message}`);
    }
  }

  const processor = unified().use(remarkParse).use(remarkGfm).use(remarkMath).use(remarkDirective);
  const tree = processor.parse(body) as Root;

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

  // Reading time counts the prose, before math and code turn into markup.
  let words = 0;
  visit(tree, (node) => {
    if (node.type === 'text') words += node.value.split(/\s+/).filter(Boolean).length;
    else if (node.type === 'inlineMath' || node.type === 'math') words += 2;
  });

  // Pass 1: number sections, figures, tables and equations, and register their ids.
  const targets = new Map<string, Target>();
  const counter: Counter = { figure: 0, table: 0, equation: 0, section: 0 };
  const toc: TocEntry[] = [];
  const usedIds = new Set<string>();
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

  // Pass 2: citations, cross-references, footnotes, math, directives, code.
  const citationOrder: string[] = [];
  const footnoteDefs = new Map<string, FootnoteDefinition>();
  const footnoteOrder: string[] = [];
  visit(tree, 'footnoteDefinition', (node) => {
    footnoteDefs.set(node.identifier, node);
  });

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
          replace(renderKernels(node.attributes ?? {}, node));
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

  function renderKernels(
    attributes: Record<string, string | null | undefined>,
    node: Nodes,
  ): string {
    const files: string[] = [];
    if (attributes.file) {
      if (!existsSync(resolve(options.kernelsDir, attributes.file))) {
        problems.push(
          `kernel file "${attributes.file}" (at ${where(node)}) not found in ${options.kernelsDir}`,
        );
        return '';
      }
      files.push(attributes.file);
    } else if (attributes.match) {
      // Space-separated patterns with `*`, listed in the order to show the files; each must match
      // at least one file unless it starts with `?`. A file is shown once, at its first match.
      const available = existsSync(options.kernelsDir)
        ? readdirSync(options.kernelsDir).sort()
        : [];
      for (const entry of attributes.match.split(/\s+/).filter(Boolean)) {
        const optional = entry.startsWith('?');
        const glob = optional ? entry.slice(1) : entry;
        const pattern = new RegExp(
          `^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`,
        );
        const found = available.filter((f) => pattern.test(f) && !files.includes(f));
        if (!optional && !available.some((f) => pattern.test(f))) {
          problems.push(`no kernel matches "${glob}" (at ${where(node)}) in ${options.kernelsDir}`);
        }
        files.push(...found);
      }
    } else {
      problems.push(`::wgsl at ${where(node)} needs file="..." or match="..."`);
    }
    return files
      .map((file) => {
        const code = readFileSync(resolve(options.kernelsDir, file), 'utf8');
        const lines = code.trimEnd().split('\n').length;
        return (
          `<details class="kernel"${attributes.open !== undefined ? ' open' : ''}>` +
          `<summary><code>${escapeHtml(file)}</code> <span class="kernel-lines">${lines} lines of WGSL</span></summary>` +
          codeBlock(code, 'wgsl', `src/gpu/kernels/${file}`) +
          `</details>`
        );
      })
      .join('');
  }

  // Footnotes: number in order of first reference; each becomes a margin note and a Notes entry.
  const footnoteHtml = new Map<string, string>();
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

  // Generated appendix sections: references, notes, citation.
  const citation = citationBibtex(meta);
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
  const generatedHtml = generated.join('\n');

  // To HTML; put the generated sections inside the authored appendix (or make one).
  const hast = (await unified()
    .use(remarkRehype, { allowDangerousHtml: true })
    .use(rehypeRaw)
    .run(tree)) as HastRoot;
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

  // Every in-page link must land on an element that exists.
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

  if (problems.length) throw new PostBuildError(options.file, problems);
  return {
    meta,
    // Empty widget tags get fallback text, shown until the widget script loads (or if it cannot).
    html: addWidgetFallbacks(
      toHtml(hast, { allowDangerousHtml: true }),
      WIDGET_DOC_LIST,
      referenceForFallbacks(options.file, options.dataDir),
    ),
    toc,
    readingMinutes: Math.max(1, Math.round(words / 230)),
    citation,
  };
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
