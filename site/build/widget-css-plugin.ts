/**
 * Sends each widget component's compiled CSS to its shadow roots instead of the document.
 *
 * vite-plugin-svelte compiles a component's <style> to a virtual module that the component's JS
 * imports (`X.svelte?svelte&type=style&lang.css`); Vite would put that in a document stylesheet,
 * which cannot reach a shadow root. For the components under src/widgets/ (not the two page-level
 * ones, which live in the document), this plugin imports the same CSS as text (`?inline`) and
 * registers it with `addWidgetCss` (src/widgets/shared/widget-styles.ts), whose constructable
 * stylesheet every widget's shadow root adopts. No <style> element is ever created.
 */
import { resolve } from 'node:path';
import type { Plugin } from 'vite';

const WIDGETS_DIR = resolve(import.meta.dirname, '../../src/widgets');
const REGISTRY = resolve(WIDGETS_DIR, 'shared/widget-styles.ts');
/** Components mounted directly into pages (light DOM): their CSS stays in the document. */
const PAGE_COMPONENTS = ['/gpu-panel/', '/catalog-page/'];
const CSS_IMPORT = /\nimport "([^"]+\.svelte)\?svelte&type=style&lang\.css";\n/;

export function widgetCssPlugin(): Plugin {
  return {
    name: 'la-widget-css',
    enforce: 'post',
    transform(code, id) {
      const file = id.split('?', 1)[0]!;
      if (!file.startsWith(WIDGETS_DIR) || !file.endsWith('.svelte') || id.includes('?')) return;
      if (PAGE_COMPONENTS.some((dir) => file.includes(dir))) return;
      const match = CSS_IMPORT.exec(code);
      if (!match) return;
      const replacement = [
        '',
        `import __laWidgetCss from ${JSON.stringify(`${match[1]}?inline&svelte&type=style&lang.css`)};`,
        `import { addWidgetCss as __laAddWidgetCss } from ${JSON.stringify(REGISTRY)};`,
        '__laAddWidgetCss(__laWidgetCss);',
        '',
      ].join('\n');
      return { code: code.replace(CSS_IMPORT, replacement), map: null };
    },
  };
}
