/** Placeholder: the kernel lands in the next commit. */
import type { FormFactory } from './form.ts';

export const createSoftmaxNaive: FormFactory = () => {
  throw new Error('not implemented yet');
};
