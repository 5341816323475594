import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    runes: true,
    // Components stay ordinary Svelte components; those in src/widgets/elements/ that declare
    // <svelte:options customElement={...}> also become <la-*> custom elements.
    customElement: true,
  },
};
