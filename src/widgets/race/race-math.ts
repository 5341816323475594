/**
 * The race's pure arithmetic: the slider's log scale, how long a context the device can hold,
 * and the speedup sentence. Unit-tested without a browser.
 */
import { estimateCost } from '../../gpu/costs.ts';
import { capacityReason } from '../../gpu/sweep.ts';
import type { AttentionForm } from '../../gpu/types.ts';
import { formatRatio } from '../shared/format.ts';

/** Slider steps per doubling of the context length. */
export const STEPS_PER_OCTAVE = 2;

/** The context length at a slider step: 2^(step / 2), rounded to a multiple of 64 off the powers of two. */
export function tokensFromStep(step: number): number {
  const exact = 2 ** (step / STEPS_PER_OCTAVE);
  if (Number.isInteger(step / STEPS_PER_OCTAVE)) return exact;
  return Math.max(64, Math.round(exact / 64) * 64);
}

/** The slider step nearest to a context length (in log scale). */
export function stepFromTokens(tokens: number): number {
  return Math.round(Math.log2(Math.max(tokens, 1)) * STEPS_PER_OCTAVE);
}

/** The forms the race runs. */
export const RACE_FORMS = [
  'softmax-flash',
  'linear-chunked',
] as const satisfies readonly AttentionForm[];

/**
 * The longest power-of-two context (at most `cap`) whose every race form fits one buffer of this
 * device, by the cost model; `floor` if even that does not fit.
 */
export function maxTokensFor(
  limits: Pick<GPUSupportedLimits, 'maxStorageBufferBindingSize' | 'maxBufferSize'>,
  shape: { heads: number; dim: number; chunkSize: number },
  cap: number,
  floor = 128,
): number {
  let best = floor;
  for (let t = floor; t <= cap; t *= 2) {
    const fits = RACE_FORMS.every(
      (form) =>
        capacityReason(
          estimateCost(
            form,
            { heads: shape.heads, tokens: t, dim: shape.dim },
            { chunkSize: shape.chunkSize },
          ),
          limits,
        ) === null,
    );
    if (!fits) break;
    best = t;
  }
  return best;
}

/**
 * "linear is 12.3x faster" or "softmax is 1.4x faster"; "both take the same time (1.0x)" when
 * the ratio rounds to 1.0. Times are per run of the same shape.
 */
export function speedupSentence(softmaxMs: number, linearMs: number): string {
  const ratio = softmaxMs / linearMs;
  if (!Number.isFinite(ratio) || ratio <= 0) return 'no comparison is possible';
  const linearWins = ratio >= 1;
  const factor = linearWins ? ratio : 1 / ratio;
  const text = formatRatio(factor);
  if (text === '1.0x') return 'both take about the same time (1.0x)';
  return linearWins ? `linear is ${text} faster` : `softmax is ${text} faster`;
}

/** What the FLOP counts predict for the same shape: the ratio softmax-flash / linear-chunked. */
export function flopRatio(
  shape: { heads: number; tokens: number; dim: number },
  chunkSize: number,
): number {
  const softmax = estimateCost('softmax-flash', shape).flops;
  const linear = estimateCost('linear-chunked', shape, { chunkSize }).flops;
  return softmax / linear;
}

/** "FLOPs predict linear 5.1x faster" / "FLOPs predict softmax 1.9x faster". */
export function flopSentence(ratio: number): string {
  const text = speedupSentence(ratio, 1);
  return `the FLOP counts predict ${text.replace(/ is /, ' ')}`.replace(
    'predict both take about the same time',
    'predict about the same time',
  );
}
