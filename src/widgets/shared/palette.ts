/**
 * One colour per form, everywhere: softmax forms warm, linear forms cool. The values are CSS
 * variables from site/styles/tokens.css, so they follow the light and dark themes; the fallbacks
 * (the light theme's values) keep a widget coloured on a page that lacks the tokens.
 */
import type { AttentionForm } from '../../gpu/types.ts';

export const FORM_COLORS: Record<AttentionForm, string> = {
  'softmax-naive': 'var(--la-softmax-naive, #c0392b)',
  'softmax-flash': 'var(--la-softmax-flash, #e67e22)',
  'linear-attention': 'var(--la-linear-attention, #2a9d8f)',
  'linear-recurrent': 'var(--la-linear-recurrent, #2f6fb5)',
  'linear-chunked': 'var(--la-linear-chunked, #6c4bbf)',
};

/** Names a reader sees in legends and tables. */
export const FORM_LABELS: Record<AttentionForm, string> = {
  'softmax-naive': 'Softmax, naive (T×T scores)',
  'softmax-flash': 'Softmax, tiled (flash)',
  'linear-attention': 'Linear, attention form',
  'linear-recurrent': 'Linear, recurrent form',
  'linear-chunked': 'Linear, chunked form',
};
