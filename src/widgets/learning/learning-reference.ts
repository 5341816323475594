/**
 * Reference training curves: the trainer CLI's JSON (`npm run train -- --json FILE`; the same WGSL
 * trainer through Dawn) from a run on the reference GPU, committed as data/learning-h200.json.
 * A run holds either one value per step, as the CLI writes it, or means over windows of `window`
 * steps (scripts/make-learning-data.mjs averages a long run so that the page does not carry every
 * step). Validated here with no bundler features; learning-state reads the file if the build has
 * it and shows the curves whose task and width match the widget's settings, labelled with the
 * machine.
 */
import type { FormFamily } from '../../gpu/forms/spec.ts';
import { LEARNING_FORMS } from './learning-math.ts';

/** One reference run, reduced to what the widget draws and says. */
export interface ReferenceCurve {
  form: FormFamily;
  pairs: number;
  dModel: number;
  batch: number;
  /** Steps the run took. */
  steps: number;
  seed: number;
  /** Peak learning rate (null if the file does not say). */
  learningRate: number | null;
  /** Steps per value below: 1 for every step, else means over consecutive windows. */
  window: number;
  /** Mean loss per window of steps (nats). */
  loss: number[];
  /** Recall accuracy per window of steps. */
  accuracy: number[];
}

export interface LearningReference {
  /** "NVIDIA H200" or the adapter's name. */
  machine: string;
  curves: ReferenceCurve[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isSeries = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The curves of a trainer CLI JSON file; runs that do not parse are left out; null if none do. */
export function adaptLearningReference(raw: unknown): LearningReference | null {
  if (!isRecord(raw) || !Array.isArray(raw.runs)) return null;
  const adapter = isRecord(raw.adapter) ? raw.adapter : {};
  const machine =
    typeof raw.machine === 'string'
      ? raw.machine
      : typeof adapter.name === 'string'
        ? adapter.name
        : 'the reference GPU';
  const curves: ReferenceCurve[] = [];
  for (const run of raw.runs) {
    if (!isRecord(run) || !isRecord(run.model) || !isRecord(run.task)) continue;
    const form = run.model.form;
    const steps = run.steps;
    if (!LEARNING_FORMS.includes(form as FormFamily) || !isCount(steps) || steps === 0) continue;
    const window = run.window ?? 1;
    if (!isCount(window) || window === 0) continue;
    const points = Math.floor(steps / window);
    if (points === 0 || !isSeries(run.loss, points) || !isSeries(run.accuracy, points)) continue;
    const { pairs } = run.task;
    const { dModel, batch } = run.model;
    if (!isCount(pairs) || !isCount(dModel) || !isCount(batch)) continue;
    curves.push({
      form: form as FormFamily,
      pairs,
      dModel,
      batch,
      steps,
      seed: isCount(run.seed) ? run.seed : 0,
      learningRate:
        isRecord(run.optimizer) && typeof run.optimizer.learningRate === 'number'
          ? run.optimizer.learningRate
          : null,
      window,
      loss: run.loss,
      accuracy: run.accuracy,
    });
  }
  return curves.length > 0 ? { machine, curves } : null;
}

/** Steps per drawn reference point: whole windows of the file, about `target` steps. */
export function referenceSpan(window: number, target: number): number {
  return Math.max(1, Math.round(target / window)) * window;
}

/**
 * A reference series as chart points, about `target` steps per point: means over runs of the
 * file's windows, whole runs only; x is the last step of each point (1-based), first its first.
 */
export function referencePoints(
  values: readonly number[],
  window: number,
  target: number,
): { x: number; y: number; first: number }[] {
  const factor = referenceSpan(window, target) / window;
  const out: { x: number; y: number; first: number }[] = [];
  for (let start = 0; start + factor <= values.length; start += factor) {
    let sum = 0;
    for (let i = start; i < start + factor; i++) sum += values[i]!;
    out.push({ x: (start + factor) * window, y: sum / factor, first: start * window + 1 });
  }
  return out;
}

/** The reference curves for these settings: same pairs and width, in the widget's form order. */
export function matchingCurves(
  reference: LearningReference | null,
  forms: readonly FormFamily[],
  pairs: number,
  dModel: number,
): ReferenceCurve[] {
  if (!reference) return [];
  return LEARNING_FORMS.filter((f) => forms.includes(f)).flatMap((form) => {
    const found = reference.curves.find(
      (c) => c.form === form && c.pairs === pairs && c.dModel === dModel,
    );
    return found ? [found] : [];
  });
}
