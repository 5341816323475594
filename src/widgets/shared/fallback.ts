/**
 * Fallback content for <la-*> tags: what a page shows inside a tag before the widget script has
 * loaded, and what stays if it never loads (the element's shadow root, once attached, hides it).
 * The article's build fills every empty widget tag with it. Pure and framework-free: the site
 * build runs it in Node with the same reference dataset the widgets show first.
 */
import type { AttentionForm } from '../../gpu/forms/ids.ts';
import type { WidgetDoc } from '../catalog-types.ts';
import { parseAttributes } from './attributes.ts';
import { formatDuration, formatTokens } from './format.ts';
import { nearestPair, type ReferenceDataset } from './reference-dataset.ts';

const escapeHtml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** One sentence from the reference data for the widgets that time softmax against linear. */
function measuredSentence(
  doc: WidgetDoc,
  values: Record<string, unknown>,
  data: ReferenceDataset | null,
): string | null {
  if (!data || data.placeholder) return null;
  // The timing chart's training view shows training steps: a forward-pass sentence would mislead.
  if (doc.tag === 'la-timing-chart' && values.view === 'training') return null;
  const tokens =
    doc.tag === 'la-race'
      ? values.tokens
      : doc.tag === 'la-timing-chart'
        ? values['max-tokens']
        : null;
  if (typeof tokens !== 'number') return null;
  // The race may race other forms (its softmax-form and linear-form attributes).
  const race = doc.tag === 'la-race';
  const softmax = (race ? values['softmax-form'] : 'softmax-flash') as AttentionForm;
  const linear = (race ? values['linear-form'] : 'linear-chunked') as AttentionForm;
  const pair = nearestPair(data.records, tokens, softmax, linear);
  if (!pair || pair.a.medianMs === null || pair.b.medianMs === null) return null;
  const a = formatDuration(pair.a.medianMs);
  const b = formatDuration(pair.b.medianMs);
  const took =
    softmax === 'softmax-flash' && linear === 'linear-chunked'
      ? `tiled softmax attention took ${a} and chunked linear attention ${b}`
      : `the form ${softmax} took ${a} and ${linear} ${b}`;
  return (
    `On the ${data.machine}, at ${formatTokens(pair.tokens)} tokens (H = ${pair.a.heads}, d = ${pair.a.dim}, fp32, forward), ` +
    `${took}.`
  );
}

/** The text shown inside a tag until its widget loads: title, what it shows, and a measured sentence where there is one. */
export function fallbackText(
  doc: WidgetDoc,
  attributes: (name: string) => string | null,
  data: ReferenceDataset | null,
): string {
  const { values } = parseAttributes(doc, attributes);
  const measured = measuredSentence(doc, values, data);
  return `${doc.title}: ${doc.summary}${measured ? ` ${measured}` : ''} (An interactive figure; it needs JavaScript.)`;
}

const EMPTY_TAG = /<(la-[a-z-]+)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*>\s*<\/\1>/g;
const ATTRIBUTE = /([a-z-]+)(?:="([^"]*)")?/g;

/** Fills every empty <la-*> tag in `html` whose doc is known with a fallback paragraph. */
export function addWidgetFallbacks(
  html: string,
  docs: readonly WidgetDoc[],
  data: ReferenceDataset | null,
): string {
  return html.replace(EMPTY_TAG, (whole, tag: string, attributeText: string) => {
    const doc = docs.find((d) => d.tag === tag);
    if (!doc) return whole;
    const attributes = new Map<string, string>();
    for (const m of attributeText.matchAll(ATTRIBUTE)) attributes.set(m[1]!, m[2] ?? '');
    const text = fallbackText(doc, (name) => attributes.get(name) ?? null, data);
    return `<${tag}${attributeText}><p class="la-fallback">${escapeHtml(text)}</p></${tag}>`;
  });
}
