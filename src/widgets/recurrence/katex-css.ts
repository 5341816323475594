/**
 * KaTeX's stylesheet as text, in a module of its own so that it loads (lazily, with KaTeX) through
 * a static `?inline` import: Vite's dev server answers a dynamic `import('…css?inline')` of a
 * package file with CSS instead of a module.
 */
import css from 'katex/dist/katex.min.css?inline';

export default css;
