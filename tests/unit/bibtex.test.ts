import { describe, expect, it } from 'vitest';
import {
  cleanLatex,
  formatNames,
  formatReference,
  parseBibtex,
  parseNames,
} from '../../site/build/bibtex.ts';

describe('parseBibtex', () => {
  it('reads braced, quoted, numeric and macro values, nested braces kept', () => {
    const [entry] = parseBibtex(`
      @String{icml = "International Conference on Machine Learning"}
      % a comment line
      @InProceedings{katharopoulos2020,
        Author = {Katharopoulos, Angelos and Fleuret, Fran{\\c{c}}ois},
        title = "Transformers are {RNNs}: Fast {Autoregressive} Transformers",
        booktitle = icml # " (ICML)",
        year = 2020,
        month = jul,
      }`);
    expect(entry).toEqual({
      type: 'inproceedings',
      key: 'katharopoulos2020',
      fields: {
        author: 'Katharopoulos, Angelos and Fleuret, Fran{\\c{c}}ois',
        title: 'Transformers are {RNNs}: Fast {Autoregressive} Transformers',
        booktitle: 'International Conference on Machine Learning (ICML)',
        year: '2020',
        month: 'July',
      },
    });
  });

  it('skips @comment and @preamble, accepts parentheses and no trailing comma', () => {
    const entries = parseBibtex(`
      @comment{ignore {this} entirely}
      @preamble{"\\newcommand{\\noop}[1]{}"}
      @misc(a1, title = {One})
      @misc{b2, title = {Two}}`);
    expect(entries.map((e) => [e.key, e.fields.title])).toEqual([
      ['a1', 'One'],
      ['b2', 'Two'],
    ]);
  });

  it('rejects duplicate keys, unbalanced braces and unknown macros, with a line number', () => {
    expect(() => parseBibtex('@misc{a, title={x}}\n@misc{a, title={y}}')).toThrow(
      /duplicate key "a" \(line 2\)/,
    );
    expect(() => parseBibtex('@misc{a,\n title = {never closed')).toThrow(/unbalanced braces/);
    expect(() => parseBibtex('@misc{a, journal = nosuchmacro}')).toThrow(
      /unknown @string macro "nosuchmacro"/,
    );
  });
});

describe('names and LaTeX text', () => {
  it('splits authors on top-level "and" in both name orders', () => {
    expect(parseNames('Gu, Albert and Tri Dao and {Barnes and Noble}')).toEqual([
      { first: 'Albert', last: 'Gu' },
      { first: 'Tri', last: 'Dao' },
      { first: '', last: 'Barnes and Noble' },
    ]);
    expect(formatNames('Buckman, Jacob and Gelada, Carles')).toBe(
      'Jacob Buckman and Carles Gelada',
    );
    expect(formatNames('A, A and B, B and C, C and D, D and E, E and F, F and G, G')).toBe(
      'A A, B B, C C, D D, E E, F F et al.',
    );
  });

  it('turns accents, escapes and dashes into Unicode', () => {
    expect(cleanLatex("Fran{\\c{c}}ois R{\\'e} Kaiser {\\L}ukasz")).toBe(
      'François Ré Kaiser Łukasz',
    );
    expect(cleanLatex('pages 1--10 \\& more --- really')).toBe(
      'pages 1\u201310 & more \u2014 really',
    );
    expect(cleanLatex('{FlashAttention}: fast')).toBe('FlashAttention: fast');
  });

  it('formats a reference with an arXiv link when there is no URL', () => {
    const [entry] = parseBibtex(
      '@misc{k, author={Kacham, Praneeth}, title={{PolySketchFormer}}, year={2023}, eprint={2310.01655}, archivePrefix={arXiv}}',
    );
    expect(formatReference(entry!)).toEqual({
      authors: 'Praneeth Kacham',
      year: '2023',
      title: 'PolySketchFormer',
      venue: 'arXiv:2310.01655',
      url: 'https://arxiv.org/abs/2310.01655',
    });
  });
});
