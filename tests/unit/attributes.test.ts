import { describe, expect, it, vi } from 'vitest';
import type { WidgetAttribute, WidgetDoc } from '../../src/widgets/catalog-types.ts';
import { WIDGET_DOCS } from '../../src/widgets/catalog.ts';
import {
  attributesOf,
  createWarner,
  defaultOf,
  describeAccepts,
  parseAttribute,
  parseAttributes,
  parseFiniteNumber,
} from '../../src/widgets/shared/attributes.ts';

/** Every kind of garbage a course author (or a URL) can hand us. */
const GARBAGE = [
  '',
  ' ',
  'abc',
  '1e12',
  '-3',
  'NaN',
  'Infinity',
  '-Infinity',
  '7.5',
  '0x10',
  '12px',
  'null',
  'undefined',
  '<script>',
  '9'.repeat(400),
  'x'.repeat(10_000),
];

const attr = (
  accepts: WidgetAttribute['accepts'],
  def: string,
  name = 'tokens',
): WidgetAttribute => ({
  name,
  type: 'number',
  default: def,
  description: '',
  accepts,
});

describe('the attribute validation layer', () => {
  it('reads plain numbers as HTML authors write them, and refuses the rest', () => {
    expect(parseFiniteNumber('4096')).toBe(4096);
    expect(parseFiniteNumber(' 64 ')).toBe(64);
    expect(parseFiniteNumber('1e3')).toBe(1000);
    expect(parseFiniteNumber('7.5')).toBe(7.5);
    expect(parseFiniteNumber('-3')).toBe(-3);
    for (const bad of ['', ' ', 'abc', 'NaN', 'Infinity', '0x10', '12px', '1e999', '1,024']) {
      expect(parseFiniteNumber(bad), bad).toBeNull();
    }
  });

  it('gives the default silently when the attribute is absent', () => {
    expect(parseAttribute(attr({ kind: 'integer', min: 2, max: 16 }, '8'), null)).toEqual({
      value: 8,
      correction: null,
    });
  });

  it('clamps, rounds and falls back on an integer range, saying what it used', () => {
    const a = attr({ kind: 'integer', min: 2, max: 16 }, '8');
    const cases: [string, number, RegExp][] = [
      ['abc', 8, /^tokens="abc" is not a number; using the default, 8\.$/],
      ['', 8, /^tokens="" is not a number; using the default, 8\.$/],
      ['NaN', 8, /not a number; using the default, 8/],
      ['Infinity', 8, /not a number; using the default, 8/],
      ['1e12', 16, /^tokens="1e12" is above the largest allowed, 16; using 16\.$/],
      ['-3', 2, /^tokens="-3" is below the smallest allowed, 2; using 2\.$/],
      ['7.5', 8, /^tokens="7.5" is not a whole number; using 8\.$/],
    ];
    for (const [text, value, message] of cases) {
      const parsed = parseAttribute(a, text);
      expect(parsed.value, text).toBe(value);
      expect(parsed.correction?.message, text).toMatch(message);
      expect(parsed.correction?.used).toBe(value);
    }
    expect(parseAttribute(a, '12')).toEqual({ value: 12, correction: null });
  });

  it('snaps a chunk size between offered ones to the nearest, in log scale', () => {
    const a = attr({ kind: 'choice', values: [16, 32, 64, 128, 256] }, '64', 'chunk-size');
    expect(parseAttribute(a, '7').value).toBe(16);
    expect(parseAttribute(a, '7').correction?.message).toBe(
      'chunk-size="7" is not one of 16, 32, 64, 128, 256; using 16.',
    );
    expect(parseAttribute(a, '45').value).toBe(32);
    expect(parseAttribute(a, '46').value).toBe(64);
    expect(parseAttribute(a, '1e12').value).toBe(256);
    expect(parseAttribute(a, '-3').value).toBe(64);
    expect(parseAttribute(a, '128')).toEqual({ value: 128, correction: null });
  });

  it('snaps powers of two and then clamps', () => {
    const a = attr({ kind: 'integer', min: 64, max: 1048576, powerOfTwo: true }, '4096');
    expect(parseAttribute(a, '5000').value).toBe(4096);
    expect(parseAttribute(a, '5000').correction?.message).toMatch(/not a power of two; using 4096/);
    expect(parseAttribute(a, '3').value).toBe(64);
    expect(parseAttribute(a, '1e12').value).toBe(1048576);
    expect(parseAttribute(a, '-3').value).toBe(64);
  });

  it('matches words without regard to case, and falls back on others', () => {
    const a = attr({ kind: 'enum', values: ['flops', 'memory'] }, 'flops', 'metric');
    expect(parseAttribute(a, ' Memory ')).toEqual({ value: 'memory', correction: null });
    expect(parseAttribute(a, 'bytes').value).toBe('flops');
    expect(parseAttribute(a, 'bytes').correction?.message).toBe(
      'metric="bytes" is not one of flops, memory; using the default, flops.',
    );
  });

  it('follows HTML for booleans: present is true, absent false, "false" false', () => {
    const a = attr({ kind: 'boolean' }, 'false', 'show-torch');
    expect(parseAttribute(a, null).value).toBe(false);
    expect(parseAttribute(a, '').value).toBe(true);
    expect(parseAttribute(a, 'show-torch').value).toBe(true);
    expect(parseAttribute(a, 'false').value).toBe(false);
    for (const g of GARBAGE) expect(parseAttribute(a, g).correction).toBeNull();
  });

  it('shortens very long values in the sentence', () => {
    const parsed = parseAttribute(
      attr({ kind: 'integer', min: 2, max: 16 }, '8'),
      'x'.repeat(10_000),
    );
    expect(parsed.correction!.message.length).toBeLessThan(120);
    expect(parsed.correction!.given).toHaveLength(10_000);
  });

  it('raises the upper of an ordered pair to the lower, with one sentence for it', () => {
    const doc: WidgetDoc = {
      tag: 'la-x',
      title: '',
      summary: '',
      usesGpu: false,
      example: '',
      attributes: [
        attr({ kind: 'integer', min: 16, max: 1024 }, '128', 'min-tokens'),
        attr({ kind: 'integer', min: 16, max: 1024 }, '512', 'max-tokens'),
      ],
      ordered: [['min-tokens', 'max-tokens']],
    };
    const raw: Record<string, string> = { 'min-tokens': '1000', 'max-tokens': 'abc' };
    const { values, corrections } = parseAttributes(doc, (n) => raw[n] ?? null);
    expect(values['max-tokens']).toBe(1000);
    expect(corrections.map((c) => c.name)).toEqual(['max-tokens']);
    expect(corrections[0]!.message).toBe(
      'max-tokens="abc" is below min-tokens (1000); using 1000.',
    );
  });

  it('warns once per attribute and value, however often the element re-parses', () => {
    const warn = vi.fn();
    const warnOnce = createWarner('<la-x>', warn);
    const c = parseAttribute(attr({ kind: 'integer', min: 2, max: 16 }, '8'), 'abc').correction!;
    warnOnce([c]);
    warnOnce([c]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      '<la-x>: tokens="abc" is not a number; using the default, 8.',
    );
  });

  describe('on every documented attribute of every widget', () => {
    it('the documented default is valid under its own spec, and describable', () => {
      for (const doc of WIDGET_DOCS) {
        for (const a of attributesOf(doc)) {
          expect(() => defaultOf(a), `${doc.tag} ${a.name}`).not.toThrow();
          expect(describeAccepts(a.accepts)).not.toBe('');
        }
      }
    });

    it('garbage of every kind gives a finite, accepted value and at most one sentence naming the attribute', () => {
      for (const doc of WIDGET_DOCS) {
        for (const a of attributesOf(doc)) {
          for (const g of GARBAGE) {
            const { value, correction } = parseAttribute(a, g);
            const where = `${doc.tag} ${a.name}=${JSON.stringify(g.slice(0, 20))}`;
            if (typeof value === 'number') {
              expect(Number.isFinite(value), where).toBe(true);
              const spec = a.accepts;
              if (spec.kind === 'integer' || spec.kind === 'number') {
                expect(value, where).toBeGreaterThanOrEqual(spec.min);
                expect(value, where).toBeLessThanOrEqual(spec.max);
              }
              if (spec.kind === 'integer') expect(Number.isInteger(value), where).toBe(true);
              if (spec.kind === 'choice') expect(spec.values, where).toContain(value);
            }
            if (a.accepts.kind === 'enum') expect(a.accepts.values, where).toContain(value);
            if (correction) {
              expect(correction.message, where).toContain(`${a.name}="`);
              expect(correction.message, where).toContain(String(correction.used));
              // What the sentence says was used is never NaN or undefined (the given text may be).
              expect(correction.message.split('; ')[1], where).not.toMatch(/NaN|undefined/);
            } else if (a.accepts.kind !== 'boolean') {
              // Only a value the spec accepts as written may pass without a sentence.
              expect(String(value), where).toBe(g.trim().toLowerCase());
            }
          }
        }
      }
    });
  });
});
