/**
 * `gated-chunked`: chunks of c tokens with a per-token decay: the linear-chunked kernels, tiles and
 * dispatch plan with their gate on, after one more kernel that sums the log-decays from each
 * chunk's start (see linear/chunked.ts). The work is linear-chunked's up to O(T d + (T / c) d^2).
 */
import type { FormFactory } from '../form.ts';
import { createLinearChunkedWith, type LinearChunkedTuning } from '../linear/chunked.ts';

/** The form with forced tuning (tests use it to cover tilings and splits the device would not pick). */
export function createGatedChunkedWith(tuning: LinearChunkedTuning = {}): FormFactory {
  return createLinearChunkedWith(tuning, true);
}

/** The FormFactory the registry lists for 'gated-chunked'. */
export const createGatedChunked: FormFactory = createGatedChunkedWith();
