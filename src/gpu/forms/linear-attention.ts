/** Placeholder until the linear forms land (owned by the linear-forms engineer). */
import type { FormFactory } from './form.ts';

export const createLinearAttention: FormFactory = () => {
  throw new Error('not implemented yet');
};
