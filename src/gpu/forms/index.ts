/** Every attention form's factory, by name, from the registry: the dispatcher looks forms up here. */
import { ATTENTION_FORMS, FORM_SPECS, type AttentionForm } from './registry.ts';
import type { FormFactory } from './form.ts';

/** Mutable so tests can swap a form's factory for a variant (and put it back). */
export const FORM_FACTORIES: Record<AttentionForm, FormFactory> = Object.fromEntries(
  ATTENTION_FORMS.map((form) => [form, FORM_SPECS[form].factory]),
) as Record<AttentionForm, FormFactory>;
