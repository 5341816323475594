/**
 * Defines every <la-*> custom element. Import this module once on a page (the article does; an
 * embedding page loads the built widgets bundle) and the tags come alive. Each element module
 * (src/widgets/elements/la-*.svelte) is imported here for its side effect.
 */
import './elements/la-race.svelte';
import './elements/la-timing-chart.svelte';
import './elements/la-chunk-tuner.svelte';
import './elements/la-generation.svelte';
import './elements/la-recurrence.svelte';
import './elements/la-costs.svelte';
import './elements/la-mask.svelte';

export {};
