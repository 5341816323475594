/**
 * A small BibTeX reader: enough for a reference list (entries with braced, quoted, numeric or
 * @string-macro values joined by `#`), plus the few LaTeX escapes that titles and names use.
 * It throws with a line number on malformed input, so a broken .bib file fails the build.
 */

/** One parsed entry: `type` lower-cased, field names lower-cased, values with braces kept. */
export interface BibEntry {
  type: string;
  key: string;
  fields: Record<string, string>;
}

/** A person's name split the way BibTeX does ("Last, First" or "First Last"). */
export interface BibName {
  first: string;
  last: string;
}

const MONTHS: Record<string, string> = {
  jan: 'January',
  feb: 'February',
  mar: 'March',
  apr: 'April',
  may: 'May',
  jun: 'June',
  jul: 'July',
  aug: 'August',
  sep: 'September',
  oct: 'October',
  nov: 'November',
  dec: 'December',
};

class BibSyntaxError extends Error {
  constructor(message: string, source: string, offset: number) {
    const line = source.slice(0, offset).split('\n').length;
    super(`BibTeX: ${message} (line ${line})`);
    this.name = 'BibSyntaxError';
  }
}

/** Parses a whole .bib file. Duplicate keys are an error; @comment and @preamble are skipped. */
export function parseBibtex(source: string): BibEntry[] {
  const entries: BibEntry[] = [];
  const strings: Record<string, string> = { ...MONTHS };
  const seen = new Set<string>();
  let pos = 0;

  const skipSpace = () => {
    while (pos < source.length && /\s/.test(source[pos]!)) pos++;
  };
  const fail = (message: string): never => {
    throw new BibSyntaxError(message, source, pos);
  };
  const expect = (ch: string) => {
    skipSpace();
    if (source[pos] !== ch) fail(`expected "${ch}" but found "${source[pos] ?? 'end of file'}"`);
    pos++;
  };
  const readIdent = (): string => {
    skipSpace();
    const match = /^[^\s,={}()"#]+/.exec(source.slice(pos));
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const readBraced = (): string => {
    // pos is at "{"; returns the text inside, nested braces kept.
    const start = ++pos;
    let depth = 1;
    while (pos < source.length) {
      const ch = source[pos];
      if (ch === '\\') pos += 2;
      else {
        if (ch === '{') depth++;
        else if (ch === '}' && --depth === 0) return source.slice(start, pos++);
        pos++;
      }
    }
    return fail('unbalanced braces');
  };
  const readQuoted = (): string => {
    const start = ++pos;
    let depth = 0;
    while (pos < source.length) {
      const ch = source[pos];
      if (ch === '\\') pos += 2;
      else {
        if (ch === '{') depth++;
        else if (ch === '}') depth--;
        else if (ch === '"' && depth === 0) return source.slice(start, pos++);
        pos++;
      }
    }
    return fail('unterminated quoted value');
  };
  const readValue = (): string => {
    let value = '';
    for (;;) {
      skipSpace();
      const ch = source[pos];
      if (ch === '{') value += readBraced();
      else if (ch === '"') value += readQuoted();
      else if (ch !== undefined && /[0-9]/.test(ch)) value += readIdent();
      else {
        const name = readIdent().toLowerCase();
        const macro = strings[name];
        if (macro === undefined) fail(`unknown @string macro "${name}"`);
        value += macro;
      }
      skipSpace();
      if (source[pos] !== '#') return value;
      pos++;
    }
  };

  for (;;) {
    const at = source.indexOf('@', pos);
    if (at < 0) break;
    pos = at + 1;
    const type = readIdent().toLowerCase();
    skipSpace();
    const open = source[pos];
    if (open !== '{' && open !== '(') fail(`expected "{" after @${type}`);
    const close = open === '{' ? '}' : ')';
    if (type === 'comment' || type === 'preamble') {
      if (open === '{') readBraced();
      else pos = source.indexOf(')', pos) + 1 || source.length;
      continue;
    }
    pos++;
    if (type === 'string') {
      const name = readIdent().toLowerCase();
      expect('=');
      strings[name] = readValue();
      expect(close);
      continue;
    }
    const key = readIdent();
    if (seen.has(key)) fail(`duplicate key "${key}"`);
    seen.add(key);
    const fields: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (source[pos] === close) {
        pos++;
        break;
      }
      expect(',');
      skipSpace();
      if (source[pos] === close) {
        pos++;
        break;
      }
      const name = readIdent().toLowerCase();
      expect('=');
      fields[name] = readValue().replace(/\s+/g, ' ').trim();
    }
    entries.push({ type, key, fields });
  }
  return entries;
}

const ACCENTS: Record<string, Record<string, string>> = {
  '"': { a: 'ä', o: 'ö', u: 'ü', e: 'ë', i: 'ï', A: 'Ä', O: 'Ö', U: 'Ü' },
  "'": { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', c: 'ć', n: 'ń', s: 'ś', E: 'É' },
  '`': { a: 'à', e: 'è', i: 'ì', o: 'ò', u: 'ù' },
  '^': { a: 'â', e: 'ê', i: 'î', o: 'ô', u: 'û' },
  '~': { a: 'ã', n: 'ñ', o: 'õ', N: 'Ñ' },
  c: { c: 'ç', C: 'Ç' },
  v: { c: 'č', s: 'š', z: 'ž', r: 'ř', C: 'Č', S: 'Š', Z: 'Ž' },
};

/** Turns BibTeX field text into plain Unicode text: accents, escapes, dashes, no braces. */
export function cleanLatex(text: string): string {
  return text
    .replace(
      /\{?\\([`'"^~cv])\s*\{?\\?([A-Za-z])\}?\}?/g,
      (whole, accent: string, letter: string) => {
        return ACCENTS[accent]?.[letter] ?? whole;
      },
    )
    .replace(/\\(?:url|emph|textit|textbf|texttt)\s*\{([^{}]*)\}/g, '$1')
    .replace(/\\([&%$#_])/g, '$1')
    .replace(/\\ss\b/g, 'ß')
    .replace(
      /\\([LlOo])\b\s*/g,
      (_whole, letter: string) => ({ L: 'Ł', l: 'ł', O: 'Ø', o: 'ø' })[letter]!,
    )
    .replace(/---/g, '\u2014')
    .replace(/--/g, '\u2013')
    .replace(/~/g, '\u00a0')
    .replace(/[{}]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Splits an author field on top-level " and " and each name into first and last parts. */
export function parseNames(field: string): BibName[] {
  const names: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < field.length; i++) {
    const ch = field[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (depth === 0 && /^\s+and\s+/i.test(field.slice(i)) && /\s/.test(ch!)) {
      names.push(field.slice(start, i));
      const skip = /^\s+and\s+/i.exec(field.slice(i))![0].length;
      i += skip - 1;
      start = i + 1;
    }
  }
  names.push(field.slice(start));
  return names
    .map((n) => n.trim())
    .filter(Boolean)
    .map((name) => {
      const parts = splitTopLevel(name, ',');
      if (parts.length >= 2) {
        return { last: cleanLatex(parts[0]!), first: cleanLatex(parts.slice(1).join(' ')) };
      }
      const words = splitTopLevel(name, ' ').filter(Boolean);
      if (words.length === 1) return { first: '', last: cleanLatex(words[0]!) };
      return {
        first: cleanLatex(words.slice(0, -1).join(' ')),
        last: cleanLatex(words[words.length - 1]!),
      };
    });
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (depth === 0 && ch === separator) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

/** "Ada Lovelace, Charles Babbage and Alan Turing"; long lists end in "et al." after six. */
export function formatNames(field: string): string {
  const names = parseNames(field).map((n) => (n.first ? `${n.first} ${n.last}` : n.last));
  if (names.length > 6) return `${names.slice(0, 6).join(', ')} et al.`;
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** The parts of a reference-list entry, as plain text; the page template adds markup. */
export interface FormattedReference {
  authors: string;
  year: string;
  title: string;
  venue: string;
  url: string | null;
}

/** Formats an entry for a reference list: authors, year, title, where it appeared, a link. */
export function formatReference(entry: BibEntry): FormattedReference {
  const f = entry.fields;
  const clean = (name: string) => (f[name] ? cleanLatex(f[name]) : '');
  const eprint =
    f.eprint && (f.archiveprefix ?? f.eprinttype ?? '').toLowerCase() === 'arxiv'
      ? `arXiv:${clean('eprint')}`
      : '';
  const venue = [
    clean('journal') || clean('booktitle') || clean('howpublished') || clean('publisher'),
    eprint,
  ]
    .filter(Boolean)
    .join(', ');
  const url = f.url
    ? cleanLatex(f.url)
    : eprint
      ? `https://arxiv.org/abs/${clean('eprint')}`
      : f.doi
        ? `https://doi.org/${cleanLatex(f.doi)}`
        : null;
  return {
    authors: formatNames(f.author ?? f.editor ?? ''),
    year: clean('year'),
    title: clean('title'),
    venue,
    url,
  };
}
