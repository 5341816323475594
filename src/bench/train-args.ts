/**
 * Command-line arguments of the MQAR trainer (`npm run train -- ...`): parsed and checked here, so
 * that a bad argument ends the program with one sentence before any GPU is touched.
 */
import { parseArgs } from 'node:util';
import { FEATURE_MAPS, type FeatureMap } from '../gpu/types.ts';
import { TRAIN_FORMS } from '../gpu/train/config.ts';
import type { FormFamily } from '../gpu/forms/spec.ts';
import { UsageError } from './args.ts';

export const TRAIN_USAGE = `Usage: npm run train -- [options]

Trains the tiny WGSL transformer on multi-query associative recall (MQAR) on this machine's GPU
(Dawn through Node), one run per form, and writes loss and recall-accuracy curves.

  --forms a,b          attention forms: ${TRAIN_FORMS.join(', ')} (default: all)
  --steps N            optimizer steps per run (default 300)
  --pairs N,M          key-value pairs per sequence, one run per value (default 8)
  --queries N          queries per sequence (default: pairs)
  --keys N             key tokens to draw from (default max(16, 4 x pairs))
  --values N           value tokens (default max(16, 4 x pairs))
  --tokens N           sequence length (default 2 x (pairs + queries))
                       (runs: every form at every width for every number of pairs)
  --d-model N,M        residual width, one run per value (default 64)
  --heads N            attention heads (default 2)
  --layers N           blocks (default 2)
  --batch N            sequences per step (default 32)
  --lr X               peak learning rate (default 0.003)
  --weight-decay X     AdamW weight decay (default 0.1)
  --feature-map NAME   linear and gated forms: ${FEATURE_MAPS.join(', ')} (default elu1)
  --warmup N           warm-up steps of the learning rate (default a tenth of --steps, at most 100)
  --seconds X          stop each run after X seconds of wall clock (default: no limit); the JSON
                       then records the steps taken beside the steps planned
  --seed N             seeds the weights (N) and the task (N + 1) (default 1)
  --every N            print a line every N steps (default 25)
  --json FILE          write every run's settings and curves as JSON
  --machine NAME       the machine's name in the JSON (default: the adapter's)
  --note TEXT          a sentence kept in the JSON (e.g. that other processes shared the GPU)
  --help               print this text`;

export interface TrainArgs {
  forms: FormFamily[];
  steps: number;
  pairs: number[];
  queries: number | null;
  keys: number | null;
  values: number | null;
  tokens: number | null;
  dModel: number[];
  heads: number;
  layers: number;
  batch: number;
  lr: number;
  weightDecay: number;
  featureMap: FeatureMap;
  warmup: number | null;
  seconds: number | null;
  seed: number;
  every: number;
  json: string | null;
  machine: string | null;
  note: string | null;
  help: boolean;
}

function integer(
  name: string,
  text: string | undefined,
  fallback: number | null,
  min = 1,
): number | null {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min} (got "${text}").`);
  }
  return value;
}

function integers(name: string, text: string | undefined, fallback: number): number[] {
  if (text === undefined) return [fallback];
  return text.split(',').map((part) => integer(name, part.trim(), fallback)!);
}

function real(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new UsageError(`--${name} must be a non-negative number (got "${text}").`);
  }
  return value;
}

function positive(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UsageError(`--${name} must be a positive number (got "${text}").`);
  }
  return value;
}

/** Parses argv (without node and the script); throws UsageError with a sentence. */
export function parseTrainArgs(argv: readonly string[]): TrainArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        forms: { type: 'string' },
        steps: { type: 'string' },
        pairs: { type: 'string' },
        queries: { type: 'string' },
        keys: { type: 'string' },
        values: { type: 'string' },
        tokens: { type: 'string' },
        'd-model': { type: 'string' },
        heads: { type: 'string' },
        layers: { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        'weight-decay': { type: 'string' },
        'feature-map': { type: 'string' },
        warmup: { type: 'string' },
        seconds: { type: 'string' },
        seed: { type: 'string' },
        every: { type: 'string' },
        json: { type: 'string' },
        machine: { type: 'string' },
        note: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}. See --help.`);
  }
  const v = parsed.values;
  const forms = (v.forms ?? TRAIN_FORMS.join(',')).split(',').map((f) => f.trim());
  for (const form of forms) {
    if (!(TRAIN_FORMS as readonly string[]).includes(form)) {
      throw new UsageError(`Unknown form "${form}"; the trainer has ${TRAIN_FORMS.join(', ')}.`);
    }
  }
  const featureMap = (v['feature-map'] ?? 'elu1') as FeatureMap;
  if (!FEATURE_MAPS.includes(featureMap)) {
    throw new UsageError(`--feature-map must be one of ${FEATURE_MAPS.join(', ')}.`);
  }
  return {
    forms: forms as FormFamily[],
    steps: integer('steps', v.steps, 300)!,
    pairs: integers('pairs', v.pairs, 8),
    queries: integer('queries', v.queries, null),
    keys: integer('keys', v.keys, null),
    values: integer('values', v.values, null),
    tokens: integer('tokens', v.tokens, null),
    dModel: integers('d-model', v['d-model'], 64),
    heads: integer('heads', v.heads, 2)!,
    layers: integer('layers', v.layers, 2)!,
    batch: integer('batch', v.batch, 32)!,
    lr: real('lr', v.lr, 3e-3),
    weightDecay: real('weight-decay', v['weight-decay'], 0.1),
    featureMap,
    warmup: integer('warmup', v.warmup, null, 0),
    seconds: v.seconds === undefined ? null : positive('seconds', v.seconds),
    seed: integer('seed', v.seed, 1, 0)!,
    every: integer('every', v.every, 25)!,
    json: v.json ?? null,
    machine: v.machine ?? null,
    note: v.note ?? null,
    help: v.help ?? false,
  };
}
