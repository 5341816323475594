/**
 * `gated-recurrent`: gated linear attention as an RNN, S = a S + phi(k) v^T token by token: the
 * linear-recurrent kernel and plan with its gate on (gate-on.wgsl, the log-decays at binding 7).
 */
import type { FormFactory } from '../form.ts';
import { MAX_DISPATCH_TOKENS } from '../linear/common.ts';
import { createLinearRecurrentWith, type LinearRecurrentTuning } from '../linear/recurrent.ts';

/**
 * The form with a chosen token span per dispatch (tests shrink it to exercise the carry).
 */
export function createGatedRecurrentWith(
  tuning: LinearRecurrentTuning | number = MAX_DISPATCH_TOKENS,
): FormFactory {
  return createLinearRecurrentWith(tuning, true);
}

/** The FormFactory the registry lists for 'gated-recurrent'. */
export const createGatedRecurrent: FormFactory = createGatedRecurrentWith();
