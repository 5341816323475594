/**
 * One validation layer for every <la-*> attribute and every iframe URL parameter, driven by the
 * `accepts` field of each widget's documented attributes (`src/widgets/<name>/doc.ts`).
 *
 * A value that cannot be used never reaches a widget: text that is not a number, or a word that
 * is not offered, falls back to the documented default; a number out of range clamps, a fraction
 * rounds, a chunk size between offered ones snaps to the nearest. Each correction carries one
 * sentence naming the attribute, the value given and the value used; the element prints it once
 * as a console warning and shows it in a small note. Framework-free, so the iframe pages and Node
 * tests use it as they are.
 */
import { CHUNK_SIZES, SUPPORTED_DIMS } from '../../gpu/types.ts';
import type { AttributeSpec, WidgetAttribute, WidgetDoc } from '../catalog-types.ts';

/** A parsed attribute value: numbers for numeric kinds, a string for `enum`, a boolean for `boolean`. */
export type AttributeValue = number | string | boolean;

/** One correction: what was given, what is used instead, and the sentence that says so. */
export interface AttributeCorrection {
  name: string;
  /** The text given, as written (shortened in `message` if very long). */
  given: string;
  used: AttributeValue;
  /** e.g. `tokens="abc" is not a number; using the default, 4096.` */
  message: string;
}

export interface ParsedAttribute {
  value: AttributeValue;
  correction: AttributeCorrection | null;
}

/** The attribute every element has: its colour theme. */
export const THEME_ATTRIBUTE: WidgetAttribute = {
  name: 'theme',
  type: "'light' | 'dark' | 'auto'",
  default: 'auto',
  description:
    "Colour theme; auto follows the page's data-theme on <html> (light or dark), else the reader's system setting.",
  accepts: { kind: 'enum', values: ['light', 'dark', 'auto'] },
};

/** Longest given value quoted in full in a message; longer ones are cut with an ellipsis. */
const QUOTE_LIMIT = 40;

function quote(text: string): string {
  const shown = text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text;
  return JSON.stringify(shown);
}

/** Parses text as a finite number, or null. Accepts what HTML authors write: "4096", " 64 ", "1e3", "7.5". */
export function parseFiniteNumber(text: string): number | null {
  const trimmed = text.trim();
  // Number('') and Number('  ') are 0, and Number('0x10') is 16: refuse both, authors mean neither.
  if (trimmed === '' || !/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

function nearestInLog(values: readonly number[], x: number): number {
  let best = values[0]!;
  for (const v of values) {
    const d = Math.abs(Math.log2(v) - Math.log2(Math.max(x, Number.MIN_VALUE)));
    if (d < Math.abs(Math.log2(best) - Math.log2(Math.max(x, Number.MIN_VALUE)))) best = v;
  }
  return best;
}

/** The default of a documented attribute, parsed; throws if the doc's default is itself invalid. */
export function defaultOf(attribute: WidgetAttribute): AttributeValue {
  const parsed = parseValue(attribute.accepts, attribute.default);
  if (!parsed.ok || parsed.value !== parsed.exact) {
    throw new Error(
      `The documented default of ${attribute.name}, ${quote(attribute.default)}, is not valid under its own spec.`,
    );
  }
  return parsed.value;
}

type Outcome =
  | { ok: true; value: AttributeValue; exact: AttributeValue; why: string }
  | { ok: false; why: string };

/** Parses one value under a spec; `exact` is what the text said, `value` what is used. */
function parseValue(spec: AttributeSpec, text: string): Outcome {
  switch (spec.kind) {
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t === 'false' || t === '0') return { ok: true, value: false, exact: false, why: '' };
      return { ok: true, value: true, exact: true, why: '' };
    }
    case 'enum': {
      const t = text.trim().toLowerCase();
      const match = spec.values.find((v) => v.toLowerCase() === t);
      if (match !== undefined) return { ok: true, value: match, exact: match, why: '' };
      return { ok: false, why: `is not one of ${spec.values.join(', ')}` };
    }
    case 'choice': {
      const word = spec.words?.find((w) => w.toLowerCase() === text.trim().toLowerCase());
      if (word !== undefined) return { ok: true, value: word, exact: word, why: '' };
      const offered = [...(spec.words ?? []), ...spec.values].join(', ');
      const x = parseFiniteNumber(text);
      if (x === null) {
        return {
          ok: false,
          why: spec.words?.length ? `is not one of ${offered}` : 'is not a number',
        };
      }
      if (spec.values.includes(x)) return { ok: true, value: x, exact: x, why: '' };
      if (x <= 0) return { ok: false, why: `is not one of ${offered}` };
      return {
        ok: true,
        value: nearestInLog(spec.values, x),
        exact: x,
        why: `is not one of ${offered}`,
      };
    }
    case 'integer':
    case 'number': {
      const x = parseFiniteNumber(text);
      if (x === null) return { ok: false, why: 'is not a number' };
      let value = x;
      let why = '';
      if (spec.kind === 'integer') {
        if (spec.powerOfTwo && x > 0) {
          value = 2 ** Math.round(Math.log2(x));
          if (value !== x) why = 'is not a power of two';
        } else if (!Number.isInteger(x)) {
          value = Math.round(x);
          why = 'is not a whole number';
        }
      }
      if (value < spec.min) {
        value = spec.min;
        why = `is below the smallest allowed, ${spec.min}`;
      } else if (value > spec.max) {
        value = spec.max;
        why = `is above the largest allowed, ${spec.max}`;
      }
      return { ok: true, value, exact: x, why };
    }
  }
}

/**
 * Parses one attribute's text. `null` (absent) gives the default silently; anything that is not
 * exactly valid gives the value used and a correction sentence.
 */
export function parseAttribute(attribute: WidgetAttribute, text: string | null): ParsedAttribute {
  const fallback = defaultOf(attribute);
  if (text === null) {
    // An absent boolean is false; every other absent attribute takes its documented default.
    return { value: attribute.accepts.kind === 'boolean' ? false : fallback, correction: null };
  }
  const outcome = parseValue(attribute.accepts, text);
  const given = `${attribute.name}=${quote(text)}`;
  if (!outcome.ok) {
    return {
      value: fallback,
      correction: {
        name: attribute.name,
        given: text,
        used: fallback,
        message: `${given} ${outcome.why}; using the default, ${String(fallback)}.`,
      },
    };
  }
  if (outcome.why === '') return { value: outcome.value, correction: null };
  return {
    value: outcome.value,
    correction: {
      name: attribute.name,
      given: text,
      used: outcome.value,
      message: `${given} ${outcome.why}; using ${String(outcome.value)}.`,
    },
  };
}

export interface ParsedAttributes {
  /** Every documented attribute's value, by attribute name (e.g. values['chunk-size']). */
  values: Record<string, AttributeValue>;
  /** One correction per attribute that needed one, in the doc's order. */
  corrections: AttributeCorrection[];
}

/**
 * Parses all of a widget's attributes (plus `theme`) from a lookup, e.g. `(n) => el.getAttribute(n)`
 * or `(n) => new URLSearchParams(location.search).get(n)`. Enforces the doc's `ordered` pairs.
 */
export function parseAttributes(
  doc: WidgetDoc,
  lookup: (name: string) => string | null,
): ParsedAttributes {
  const values: Record<string, AttributeValue> = {};
  const corrections: AttributeCorrection[] = [];
  for (const attribute of attributesOf(doc)) {
    const parsed = parseAttribute(attribute, lookup(attribute.name));
    values[attribute.name] = parsed.value;
    if (parsed.correction) corrections.push(parsed.correction);
  }
  for (const [lower, upper] of doc.ordered ?? []) {
    const lo = values[lower];
    const hi = values[upper];
    if (typeof lo === 'number' && typeof hi === 'number' && lo > hi) {
      values[upper] = lo;
      const given = lookup(upper) ?? String(hi);
      // One sentence per attribute: this one replaces any earlier correction of `upper`.
      const earlier = corrections.findIndex((c) => c.name === upper);
      if (earlier >= 0) corrections.splice(earlier, 1);
      corrections.push({
        name: upper,
        given,
        used: lo,
        message: `${upper}=${quote(given)} is below ${lower} (${lo}); using ${lo}.`,
      });
    }
  }
  return { values, corrections };
}

/** A widget's documented attributes followed by the `theme` attribute every element has. */
export function attributesOf(doc: WidgetDoc): WidgetAttribute[] {
  return doc.attributes.some((a) => a.name === THEME_ATTRIBUTE.name)
    ? doc.attributes
    : [...doc.attributes, THEME_ATTRIBUTE];
}

/** camelCase property name of an attribute: "chunk-size" -> "chunkSize". */
export function propertyName(attribute: string): string {
  return attribute.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Prints each correction once per (source, attribute, given value): re-parsing after an unrelated
 * attribute changes does not repeat a warning the author has already seen.
 */
export function createWarner(
  prefix: string,
  warn: (message: string) => void = (m) => console.warn(m),
): (corrections: readonly AttributeCorrection[]) => void {
  const seen = new Set<string>();
  return (corrections) => {
    for (const c of corrections) {
      const key = `${c.name}\u0000${c.given}`;
      if (seen.has(key)) continue;
      seen.add(key);
      warn(`${prefix}: ${c.message}`);
    }
  };
}

/** The accepted values in words, for attribute tables: "16, 32, 64 or 128", "2 to 16". */
export function describeAccepts(spec: AttributeSpec): string {
  const list = (xs: readonly (string | number)[]) =>
    xs.length > 1 ? `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}` : String(xs[0]);
  switch (spec.kind) {
    case 'boolean':
      return 'present or absent';
    case 'enum':
      return list(spec.values);
    case 'choice':
      return list([...(spec.words ?? []), ...spec.values]);
    case 'integer':
      return spec.powerOfTwo
        ? `a power of two from ${spec.min} to ${spec.max}`
        : `a whole number from ${spec.min} to ${spec.max}`;
    case 'number':
      return `a number from ${spec.min} to ${spec.max}`;
  }
}

/** The `heads` attribute of the widgets that time attention: 1 to 64, default 12. */
export function headsAttribute(description = 'Attention heads.'): WidgetAttribute {
  return {
    name: 'heads',
    type: 'number',
    default: '12',
    description,
    accepts: { kind: 'integer', min: 1, max: 64 },
  };
}

/** The `dim` attribute: a head dimension the kernels support, default 64. */
export function dimAttribute(description = 'Head dimension d.'): WidgetAttribute {
  return {
    name: 'dim',
    type: SUPPORTED_DIMS.join(' | '),
    default: '64',
    description,
    accepts: { kind: 'choice', values: SUPPORTED_DIMS },
  };
}

/**
 * The `chunk-size` attribute: a chunk size of the chunked forms, default 64; with `auto`, also the
 * word "auto" (the default then), which lets the widget choose this GPU's chunk size (see
 * shared/chunk-size.ts).
 */
export function chunkSizeAttribute(
  description = 'Chunk size of the chunked linear form.',
  { auto = false }: { auto?: boolean } = {},
): WidgetAttribute {
  return {
    name: 'chunk-size',
    type: [...(auto ? ["'auto'"] : []), ...CHUNK_SIZES].join(' | '),
    default: auto ? 'auto' : '64',
    description,
    accepts: auto
      ? { kind: 'choice', values: CHUNK_SIZES, words: ['auto'] }
      : { kind: 'choice', values: CHUNK_SIZES },
  };
}
