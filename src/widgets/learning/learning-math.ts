/**
 * The learning widget's arithmetic, apart from Svelte: the model it trains on a given device,
 * curves averaged over windows of steps, and the sentences it shows.
 */
import type { FormFamily } from '../../gpu/forms/spec.ts';
import type { ChartSeries } from '../shared/chart.ts';
import { FORM_COLORS } from '../shared/palette.ts';

/** The forms the widget trains, in the order it lists them. */
export const LEARNING_FORMS: readonly FormFamily[] = ['softmax', 'linear', 'gated'];

export const LEARNING_LABELS: Record<FormFamily, string> = {
  softmax: 'Softmax',
  linear: 'Linear',
  gated: 'Gated linear',
};

/** Each family in the colour of its engine forms (softmax warm, linear and gated cool). */
export const LEARNING_COLORS: Record<FormFamily, string> = {
  softmax: FORM_COLORS['softmax-flash'],
  linear: FORM_COLORS['linear-chunked'],
  gated: FORM_COLORS['gated-chunked'],
};

export const LEARNING_MARKERS: Record<FormFamily, ChartSeries['marker']> = {
  softmax: 'circle',
  linear: 'square',
  gated: 'hourglass',
};

/** What the reader asks for. */
export interface LearningConfig {
  forms: FormFamily[];
  pairs: number;
  dModel: number;
  steps: number;
  /** Seconds of GPU work the whole run may take (time off screen or queued does not count). */
  budgetSeconds: number;
}

/** The model and batch trained on this device, and a sentence when it is smaller than asked. */
export interface LearningPlan {
  batch: number;
  layers: number;
  heads: number;
  dModel: number;
  note: string | null;
}

/**
 * A CPU emulation (SwiftShader, WARP) trains 8 sequences per step instead of 32, and at most width
 * 32, so that a run ends in minutes; anything else trains what was asked.
 */
export function planLearning(config: LearningConfig, isFallbackAdapter: boolean): LearningPlan {
  if (!isFallbackAdapter) {
    return { batch: 32, layers: 2, heads: 2, dModel: config.dModel, note: null };
  }
  const dModel = Math.min(config.dModel, 32);
  return {
    batch: 8,
    layers: 2,
    heads: 2,
    dModel,
    note:
      'This GPU is a CPU emulation, so the widget trains a smaller model: 8 sequences per step' +
      (dModel < config.dModel ? ` and width ${dModel} instead of ${config.dModel}.` : '.'),
  };
}

/** Means over consecutive windows of `window` steps: x is the window's last step (1-based). */
export function windowMeans(values: readonly number[], window: number): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (let start = 0; start + window <= values.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += values[i]!;
    out.push({ x: start + window, y: sum / window });
  }
  return out;
}

/** About 30 points per curve. */
export function windowFor(steps: number): number {
  return Math.max(1, Math.round(steps / 30));
}
