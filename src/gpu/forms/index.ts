/** Every attention form's factory, by name: the dispatcher (attention.ts) looks forms up here. */
import type { AttentionForm } from '../types.ts';
import type { FormFactory } from './form.ts';
import { createLinearAttention } from './linear-attention.ts';
import { createLinearChunked } from './linear-chunked.ts';
import { createLinearRecurrent } from './linear-recurrent.ts';
import { createSoftmaxFlash } from './softmax-flash.ts';
import { createSoftmaxNaive } from './softmax-naive.ts';

export const FORM_FACTORIES: Record<AttentionForm, FormFactory> = {
  'softmax-naive': createSoftmaxNaive,
  'softmax-flash': createSoftmaxFlash,
  'linear-attention': createLinearAttention,
  'linear-recurrent': createLinearRecurrent,
  'linear-chunked': createLinearChunked,
};
