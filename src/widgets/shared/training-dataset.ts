/**
 * The training-step dataset's format (data/training-h200.json), validated and adapted: pure
 * functions with no bundler features, so the timing chart (through training-data.ts), the site
 * build (numbers in the article) and scripts/make-training-data.mjs read the file through one
 * validator.
 *
 * The file, as make-training-data.mjs writes it from ONE GPU call:
 * - `records`: this project's WGSL training steps (bench `--train` and `--train --layer`): records
 *   of src/gpu/records.ts with task 'train' (attention alone: forward with saved statistics, then
 *   the gradients of q, k, v and the decays) or 'layer' (a whole pre-norm block: every parameter's
 *   gradient, no optimizer step), one per point, the median over `rounds` rounds with the spread.
 * - `native`: torch-anchor.py `--train --layer` on the same card in the same call: PyTorch (SDPA in
 *   fp32 with TF32 off and in bf16, eager chunked linear attention) and flash-linear-attention
 *   (`impl` 'fla', whose fp32 dots run in TF32 unless `precision` says 'ieee'), each with its
 *   `scope` ('attention' or 'layer') and combined over rounds the same way.
 * - `layer`: the block's shape (dModel, mlp) and what its step computes, in words.
 */
import type { BenchRecord } from '../../gpu/records.ts';
import {
  adaptTorchInfo,
  checkBaseline,
  checkRecord,
  describeMachine,
  type ReferenceRecord,
  type RoundSpread,
  type TorchInfo,
} from './reference-dataset.ts';

/** The identifier make-training-data.mjs writes, so readers can check what they load. */
export const TRAINING_FORMAT = 'linear-attention-live/training';

/** What a training step covers: attention alone, or a whole transformer block. */
export type TrainingScope = 'attention' | 'layer';

/** One of our training-step points (task 'train' is scope 'attention', 'layer' is 'layer'). */
export type TrainingRecord = ReferenceRecord & { scope: TrainingScope };

/** A native training step (PyTorch or fla) from the same call, combined over rounds. */
export interface TrainingBaseline {
  scope: TrainingScope;
  /** 'torch' (PyTorch's own kernels) or 'fla' (flash-linear-attention, Triton). */
  impl: string;
  /** 'softmax-sdpa', 'linear-chunked-norm' (eager), 'fla-chunk', 'fla-chunk-norm', 'fla-gla-chunk'. */
  form: string;
  dtype: 'fp32' | 'bf16';
  /** fla in fp32: Triton's dot precision ('tf32', its default, or 'ieee'); else null. */
  precision: string | null;
  tokens: number;
  heads: number;
  dim: number;
  /** Median over rounds of the rounds' medians, ms per step. */
  ms: number;
  rounds: number;
  roundsMs: number[];
  /** Min, p25, p75, max of `roundsMs`; null with fewer than two rounds. */
  spread: RoundSpread | null;
}

/** The block both sides time in scope 'layer'. */
export interface LayerShape {
  dModel: number;
  mlp: number;
  /** What the step computes, in words (gradients, loss, precision). */
  description: string;
}

export interface TrainingDataset {
  /** "NVIDIA H200". */
  machine: string;
  date: string;
  heads: number;
  dim: number;
  /** The most rounds any point has. */
  rounds: number;
  note: string;
  generatedBy: string;
  sources: string[];
  torchInfo: TorchInfo | null;
  /** null when the call timed no whole block. */
  layer: LayerShape | null;
  records: TrainingRecord[];
  native: TrainingBaseline[];
  /** Entries dropped by validation, with why (for the console and tests). */
  dropped: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const TASK_SCOPES: Record<string, TrainingScope> = { train: 'attention', layer: 'layer' };

/** Checks one of our records; a sentence for what is wrong, or null. */
export function checkTrainingRecord(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (typeof value.task !== 'string' || !(value.task in TASK_SCOPES)) {
    return `task ${String(value.task)} is not a training step ('train' or 'layer')`;
  }
  // Every other field as a forward record has it.
  return checkRecord({ ...value, task: 'forward' });
}

/** Checks one native entry; a sentence for what is wrong, or null. */
export function checkTrainingBaseline(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (value.scope !== 'attention' && value.scope !== 'layer') {
    return `scope ${String(value.scope)} is neither attention nor layer`;
  }
  if (value.dtype !== 'fp32' && value.dtype !== 'bf16') return 'needs dtype fp32 or bf16';
  return checkBaseline(value);
}

function adaptRecords(value: unknown, dropped: string[]): TrainingRecord[] {
  if (!Array.isArray(value)) {
    dropped.push('records: not an array');
    return [];
  }
  const out: TrainingRecord[] = [];
  value.forEach((entry: unknown, i) => {
    const problem = checkTrainingRecord(entry);
    if (problem) {
      dropped.push(`records[${i}]: ${problem}`);
      return;
    }
    const r = entry as BenchRecord;
    const measured = r.status === 'ok' && r.medianMs !== null;
    const rounds = r.rounds ?? (measured ? 1 : 0);
    out.push({
      ...r,
      scope: TASK_SCOPES[r.task as string]!,
      rounds,
      roundsMs: r.roundsMs ?? (measured ? [r.medianMs!] : []),
      spread: rounds >= 2 ? (r.spread ?? null) : null,
    });
  });
  return out;
}

function adaptNative(value: unknown, dropped: string[]): TrainingBaseline[] {
  if (!Array.isArray(value)) {
    if (value !== undefined) dropped.push('native: not an array');
    return [];
  }
  const out: TrainingBaseline[] = [];
  value.forEach((entry: unknown, i) => {
    const problem = checkTrainingBaseline(entry);
    if (problem) {
      dropped.push(`native[${i}]: ${problem}`);
      return;
    }
    const t = entry as Record<string, unknown> & TrainingBaseline;
    const rounds = typeof t.rounds === 'number' ? t.rounds : 1;
    out.push({
      scope: t.scope,
      impl: t.impl,
      form: t.form,
      dtype: t.dtype,
      precision: typeof t.precision === 'string' ? t.precision : null,
      tokens: t.tokens,
      heads: t.heads,
      dim: t.dim,
      ms: t.ms,
      rounds,
      roundsMs: Array.isArray(t.roundsMs) ? t.roundsMs : [t.ms],
      spread: rounds >= 2 && isObject(t.spread) ? t.spread : null,
    });
  });
  return out;
}

function adaptLayer(raw: unknown): LayerShape | null {
  if (!isObject(raw)) return null;
  const { dModel, mlp, description } = raw;
  if (typeof dModel !== 'number' || typeof mlp !== 'number') return null;
  return { dModel, mlp, description: typeof description === 'string' ? description : '' };
}

/** Validates the parsed JSON and adapts it; null when it is not a training dataset. */
export function adaptTraining(raw: unknown): TrainingDataset | null {
  if (!isObject(raw) || raw.format !== TRAINING_FORMAT) return null;
  const dropped: string[] = [];
  const records = adaptRecords(raw.records, dropped);
  const native = adaptNative(raw.native, dropped);
  const first = records[0];
  return {
    machine: describeMachine(raw.adapter ?? first?.adapter),
    date: typeof raw.date === 'string' ? raw.date : (first?.date ?? ''),
    heads: typeof raw.heads === 'number' ? raw.heads : (first?.heads ?? 12),
    dim: typeof raw.dim === 'number' ? raw.dim : (first?.dim ?? 64),
    rounds: Math.max(1, ...records.map((r) => r.rounds), ...native.map((n) => n.rounds)),
    note: typeof raw.note === 'string' ? raw.note : '',
    generatedBy: typeof raw.generatedBy === 'string' ? raw.generatedBy : '',
    sources: Array.isArray(raw.sources)
      ? raw.sources.filter((s): s is string => typeof s === 'string')
      : [],
    torchInfo: adaptTorchInfo(raw.torchInfo),
    layer: adaptLayer(raw.layer),
    records,
    native,
    dropped,
  };
}

/** Measured points of one of our forms in one scope, sorted by context length. */
export function trainingSeries(
  data: TrainingDataset,
  scope: TrainingScope,
  form: string,
): TrainingRecord[] {
  return data.records
    .filter((r) => r.scope === scope && r.form === form && r.status === 'ok')
    .sort((a, b) => a.tokens - b.tokens);
}

/** Native points of one implementation, form and dtype in one scope, sorted by length. */
export function nativeSeries(
  data: TrainingDataset,
  scope: TrainingScope,
  impl: string,
  form: string,
  dtype: 'fp32' | 'bf16',
): TrainingBaseline[] {
  return data.native
    .filter((n) => n.scope === scope && n.impl === impl && n.form === form && n.dtype === dtype)
    .sort((a, b) => a.tokens - b.tokens);
}
