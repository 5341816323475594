/**
 * The names of the attention forms, in the order charts and tables list them. This list and the
 * registry (registry.ts) are the only places a form is named: adding a form adds one name here
 * and one entry there, and the compiler asks for the rest.
 */
export const ATTENTION_FORMS = [
  'softmax-naive',
  'softmax-flash',
  'softmax-flash-f16',
  'softmax-flash-f16-mma',
  'linear-attention',
  'linear-recurrent',
  'linear-chunked',
  'linear-chunked-f16',
  'gated-recurrent',
  'gated-chunked',
] as const;
export type AttentionForm = (typeof ATTENTION_FORMS)[number];
