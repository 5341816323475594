/**
 * One colour per form, everywhere: softmax forms warm, linear forms cool. Each form's spec
 * (src/gpu/forms/registry.ts) names its CSS variable from site/styles/tokens.css, so colours follow
 * the light and dark themes; the fallbacks (the light theme's values) keep a widget coloured on a
 * page that lacks the tokens.
 */
import { ATTENTION_FORMS, FORM_SPECS, type AttentionForm } from '../../gpu/forms/registry.ts';

function byForm<T>(pick: (form: AttentionForm) => T): Record<AttentionForm, T> {
  return Object.fromEntries(ATTENTION_FORMS.map((form) => [form, pick(form)])) as Record<
    AttentionForm,
    T
  >;
}

export const FORM_COLORS: Record<AttentionForm, string> = byForm((form) => {
  const { token, fallback } = FORM_SPECS[form].color;
  return `var(${token}, ${fallback})`;
});

/** Names a reader sees in legends and tables. */
export const FORM_LABELS: Record<AttentionForm, string> = byForm((form) => FORM_SPECS[form].label);

/** Stroke width and dash of each form's line where lines overlap (the cost explorer). */
export const FORM_STROKES: Record<AttentionForm, { width: number; dash: string }> = byForm(
  (form) => FORM_SPECS[form].stroke,
);
