/** Random inputs for timing: q, k and v, log-decays for gated forms, and their rotation between samples. */
import { takesInput } from '../forms/registry.ts';
import type { AttentionForm, AttentionShape, ResidentAttention } from '../types.ts';

/** Two sets of random inputs, written alternately before each sample. */
export function createRotation(resident: ResidentAttention): (sample: number) => void {
  const { shape } = resident;
  const n = shape.heads * shape.tokens * shape.dim;
  const sets = [0, 1].map(
    () =>
      [
        randomInputs(n),
        randomInputs(n),
        randomInputs(n),
        logDecayFor(resident.options.form, shape),
      ] as const,
  );
  return (sample) => {
    const [q, k, v, logDecay] = sets[sample % 2]!;
    resident.write(q, k, v, logDecay);
  };
}

/** Random log-decays for a form that reads them (see randomLogDecays), else undefined. */
export function logDecayFor(form: AttentionForm, shape: AttentionShape): Float32Array | undefined {
  return takesInput(form, 'logDecay') ? randomLogDecays(shape.heads * shape.tokens) : undefined;
}

/**
 * n log-decays g_t = log(a_t) with a_t uniform in [0.9, 1): decays as trained gated models keep
 * them (a state that forgets over tens to thousands of tokens). The kernels' work does not depend
 * on the values.
 */
export function randomLogDecays(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.log(1 - 0.1 * Math.random());
  return out;
}

const RANDOM_BLOCK = 1 << 20;

/**
 * n uniform values in [-1, 1] (float32 rounding may reach 1). Beyond 2^20 values the first block repeats, rotated by a random
 * offset each time, which keeps a 1 GiB input from costing seconds of Math.random; such inputs
 * far exceed any cache, and the values stay random-looking and never zero.
 */
export function randomInputs(n: number): Float32Array {
  const out = new Float32Array(n);
  const fresh = Math.min(n, RANDOM_BLOCK);
  for (let i = 0; i < fresh; i++) out[i] = Math.random() * 2 - 1;
  for (let at = fresh; at < n; at += fresh) {
    // The fresh block rotated by a random offset: [offset, fresh) then [0, offset).
    const length = Math.min(fresh, n - at);
    const offset = Math.floor(Math.random() * fresh);
    const head = Math.min(length, fresh - offset);
    out.copyWithin(at, offset, offset + head);
    if (head < length) out.copyWithin(at + head, 0, length - head);
  }
  return out;
}
