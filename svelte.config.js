import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true,
    // Plain components only: the <la-*> custom elements are defined by src/widgets/elements/
    // define-widget.svelte.ts, which mounts them in shadow roots with adopted stylesheets (Svelte's
    // own custom elements insert <style> elements, which a strict Content-Security-Policy blocks).
  },
};
