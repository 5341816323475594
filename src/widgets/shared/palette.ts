/**
 * One colour per form, everywhere: softmax forms warm, linear forms cool. The values are CSS
 * variables from site/styles/tokens.css, so they follow the light and dark themes.
 */
import type { AttentionForm } from '../../gpu/types.ts';

export const FORM_COLORS: Record<AttentionForm, string> = {
  'softmax-naive': 'var(--la-softmax-naive)',
  'softmax-flash': 'var(--la-softmax-flash)',
  'linear-attention': 'var(--la-linear-attention)',
  'linear-recurrent': 'var(--la-linear-recurrent)',
  'linear-chunked': 'var(--la-linear-chunked)',
};

/** Names a reader sees in legends and tables. */
export const FORM_LABELS: Record<AttentionForm, string> = {
  'softmax-naive': 'Softmax, naive (T×T scores)',
  'softmax-flash': 'Softmax, tiled (flash)',
  'linear-attention': 'Linear, attention form',
  'linear-recurrent': 'Linear, recurrent form',
  'linear-chunked': 'Linear, chunked form',
};
