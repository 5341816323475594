/**
 * The registry of attention forms: every form's FormSpec by name. Validation, capacity, cost,
 * references, sweeps, the benchmark, records and the widgets' series all read forms from here.
 * To add a form: see CONTRIBUTING.md ("Adding an attention form").
 */
import { ATTENTION_FORMS, type AttentionForm } from './ids.ts';
import { gatedChunked, gatedRecurrent } from './gated/spec.ts';
import { linearAttention, linearChunked, linearRecurrent } from './linear/spec.ts';
import { softmaxFlash, softmaxNaive } from './softmax/spec.ts';
import { linearChunkedF16, softmaxFlashF16, softmaxFlashF16Mma } from './f16/spec.ts';
import type { FormFamily, FormInput, FormOption, FormSpec } from './spec.ts';

export { ATTENTION_FORMS, type AttentionForm } from './ids.ts';
export type { FormFamily, FormInput, FormOption, FormSchedule, FormSpec } from './spec.ts';

/** Every form's spec, by name (the compiler checks that each name has one). */
export const FORM_SPECS: Readonly<Record<AttentionForm, FormSpec>> = {
  'softmax-naive': softmaxNaive,
  'softmax-flash': softmaxFlash,
  'softmax-flash-f16': softmaxFlashF16,
  'softmax-flash-f16-mma': softmaxFlashF16Mma,
  'linear-attention': linearAttention,
  'linear-recurrent': linearRecurrent,
  'linear-chunked': linearChunked,
  'linear-chunked-f16': linearChunkedF16,
  'gated-recurrent': gatedRecurrent,
  'gated-chunked': gatedChunked,
};

/** The forms the article's charts draw by default (spec.charted), in registry order. */
export const CHARTED_FORMS: readonly AttentionForm[] = ATTENTION_FORMS.filter(
  (form) => FORM_SPECS[form].charted,
);

/** The forms with a backward pass (spec.trainable), in registry order. */
export const TRAINABLE_FORMS: readonly AttentionForm[] = ATTENTION_FORMS.filter(
  (form) => FORM_SPECS[form].trainable,
);

/** A form with a backward pass (see isTrainableForm). */
export type TrainableForm = AttentionForm;

/** Whether `form` names a registered form with a backward pass. */
export function isTrainableForm(form: string): form is TrainableForm {
  return isAttentionForm(form) && FORM_SPECS[form].trainable;
}

/** The trainable form of a family (the first in registry order): what trains it fast. */
export function trainingFormOf(family: FormFamily): TrainableForm {
  const form = TRAINABLE_FORMS.find((f) => FORM_SPECS[f].family === family);
  if (!form) throw new Error(`No ${family} form has a backward pass.`);
  return form;
}

/**
 * The forms that need no optional WebGPU feature: every WebGPU device runs them (the tests that
 * expect every form to run anywhere use this list).
 */
export const CORE_FORMS: readonly AttentionForm[] = ATTENTION_FORMS.filter(
  (form) => FORM_SPECS[form].requires.length === 0,
);

/** Why `device` cannot run `form` (a missing optional feature), in a sentence, or null. */
export function formUnavailable(form: AttentionForm, device: GPUDevice): string | null {
  return FORM_SPECS[form].unavailable(device);
}

/** The spec of a known form. */
export function formSpec(form: AttentionForm): FormSpec {
  return FORM_SPECS[form];
}

/** Whether `name` names a registered form. */
export function isAttentionForm(name: unknown): name is AttentionForm {
  return typeof name === 'string' && Object.hasOwn(FORM_SPECS, name);
}

/** The forms of one family, in registry order. */
export function formsOfFamily(family: FormFamily): AttentionForm[] {
  return ATTENTION_FORMS.filter((form) => FORM_SPECS[form].family === family);
}

/** The families, in registry order. */
export function formFamilies(): FormFamily[] {
  return [...new Set(ATTENTION_FORMS.map((form) => FORM_SPECS[form].family))];
}

/** Whether `form` reads `option` (records leave options a form ignores null). */
export function takesOption(form: AttentionForm, option: FormOption): boolean {
  return FORM_SPECS[form].options.includes(option);
}

/** Whether `form` reads `input` (gated forms read the log-decays). */
export function takesInput(form: AttentionForm, input: FormInput): boolean {
  return FORM_SPECS[form].inputs.includes(input);
}

/** Whether `form` computes softmax attention. */
export function isSoftmaxForm(form: AttentionForm): boolean {
  return FORM_SPECS[form].family === 'softmax';
}
