/**
 * Command-line arguments of the benchmark: parsed and checked here, so that a bad argument ends
 * the program with one sentence before any GPU is touched.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SWEEP_TOKENS } from '../gpu/sweep.ts';
import {
  ATTENTION_FORMS,
  CHUNK_SIZES,
  DEFAULT_CHUNK_SIZE,
  FEATURE_MAPS,
  SUPPORTED_DIMS,
  type AttentionForm,
  type FeatureMap,
} from '../gpu/types.ts';

export const USAGE = `Usage: npm run bench -- [options]

Times the attention forms on this machine's GPU (Dawn through Node) and prints a table.

  --forms a,b            forms to time (default: all: ${ATTENTION_FORMS.join(', ')})
  --tokens 1024,4096     context lengths (default: 128 to 131072, doubling)
  --heads N              heads (default 12)
  --dim N                head dimension, one of ${SUPPORTED_DIMS.join(', ')} (default 64)
  --chunk N              linear-chunked chunk size, one of ${CHUNK_SIZES.join(', ')} (default ${DEFAULT_CHUNK_SIZE}),
                         or auto: this GPU's fastest, searched once and cached in a file
                         (LA_CHUNK_CACHE, default ~/.cache/linear-attention-live/chunk-sizes.json)
  --feature-map NAME     linear forms' feature map: ${FEATURE_MAPS.join(', ')} (default softplus)
  --no-normalize         linear and gated forms without the normaliser (as fla's chunk kernels)
  --budget-ms N          wall-clock budget per point (default 2000)
  --sweep-budget-ms N    wall-clock budget for everything (default 480000)
  --samples N            samples per point (default 10)
  --rounds N             independent rounds in this call (default 1): each round visits every
                         context length and form (forms interleaved, their order rotated each
                         round); a point's value is the median of its round medians, with the
                         spread across rounds (min, quartiles, max) and the number of rounds kept.
                         The chunk search and generation run once per round too.
  --rotate-below MIB     rewrite inputs between samples when q, k, v fit in MIB (default 64; 0: never)
  --clock NAME           auto, gpu-timestamp or wall-clock (default auto)
  --settle-clocks        before every point, time a fixed probe kernel and load the GPU until
                         the probe runs as fast as it has run (a GPU left idle lowers its clocks)
  --chunk-search T       also time linear-chunked at T for every chunk size and report the best
  --generation           also time one decode step against position (KV cache and state)
  --no-sweep             skip the context-length sweep (with --chunk-search or --generation)
  --verify               first check every form against the float64 reference on a small shape
                         (with --train also the gradients: at T = 1000, and at 16384 with sampled
                         rows when --tokens reaches 16384)
  --train                also time a training step (forward + backward of attention alone) of
                         the trainable forms among --forms: records with task 'train'
  --layer                also time a training step of a whole pre-norm layer (batch 1, width
                         heads x dim, MLP 4 x width, GELU; every parameter's gradient, no
                         optimizer step) with each trainable form's attention: task 'layer'.
                         With --train both run, interleaved within each round; --layer alone
                         times the layer only. With --verify the layer's gradients are checked
                         against float64 first (T = 70, width 32)
  --cross-check T        also compare forms of the same function with each other at T tokens
  --dispatch-floor       instead of the sweep, time the fixed cost of a run: an empty compute pass,
                         one dispatch, k dependent or independent dispatches and k passes of almost
                         no work (k = 2, 4, 8), in --rounds rounds with --samples, --budget-ms and
                         --settle-clocks as for the forms (no round starts that would overrun
                         --sweep-budget-ms); then count the passes and dispatches one
                         run of each of --forms (and each decode step) encodes at --tokens
                         (default here 128,1024,4096). --json writes the probe's own JSON
                         (src/bench/dispatch-floor.ts); it runs alone (no --verify, --csv, ...)
  --json FILE            write the records as JSON
  --csv FILE             write the records as CSV
  --help                 print this text`;

/** The context lengths --dispatch-floor counts passes and dispatches at unless --tokens is given. */
export const DISPATCH_FLOOR_TOKENS = [128, 1024, 4096] as const;

export interface BenchArgs {
  forms: AttentionForm[];
  tokens: number[];
  heads: number;
  dim: number;
  chunk: number;
  /** --chunk auto: `chunk` is replaced by this device's cached or searched chunk size. */
  chunkAuto: boolean;
  featureMap: FeatureMap;
  /** Linear and gated forms divide by their normaliser; false with --no-normalize. */
  normalize: boolean;
  budgetMs: number;
  sweepBudgetMs: number;
  samples: number;
  /** Independent rounds, each visiting every point once (see src/gpu/rounds.ts). */
  rounds: number;
  /** Settle the GPU's clocks before every point (src/gpu/clock-settle.ts). */
  settleClocks: boolean;
  /** Inputs of at most this many bytes are rewritten between samples. */
  rotateBelowBytes: number;
  clock: 'auto' | 'gpu-timestamp' | 'wall-clock';
  chunkSearch: number | null;
  generation: boolean;
  sweep: boolean;
  verify: boolean;
  /** Also time training steps of attention alone (task 'train'). */
  train: boolean;
  /** Also time training steps of a whole layer (task 'layer'). */
  layer: boolean;
  /** Context length for --cross-check, or null. */
  crossCheck: number | null;
  /** Time the fixed cost of passes and dispatches instead (src/bench/dispatch-floor.ts). */
  dispatchFloor: boolean;
  json: string | null;
  csv: string | null;
  help: boolean;
}

/** A bad command line, with a sentence saying what to change. */
export class UsageError extends Error {
  override name = 'UsageError';
}

function integer(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new UsageError(`--${name} takes a whole number of at least ${min}, not "${text}".`);
  }
  return Number(text);
}

function oneOf<T extends string | number>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${value}".`);
  }
  return value;
}

/** Parses argv (without the node and script paths); throws a UsageError with one sentence. */
export function parseBenchArgs(argv: readonly string[]): BenchArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        forms: { type: 'string' },
        tokens: { type: 'string' },
        heads: { type: 'string' },
        dim: { type: 'string' },
        chunk: { type: 'string' },
        'feature-map': { type: 'string' },
        'no-normalize': { type: 'boolean' },
        'budget-ms': { type: 'string' },
        'sweep-budget-ms': { type: 'string' },
        samples: { type: 'string' },
        rounds: { type: 'string' },
        'rotate-below': { type: 'string' },
        'settle-clocks': { type: 'boolean' },
        clock: { type: 'string' },
        'chunk-search': { type: 'string' },
        generation: { type: 'boolean' },
        'no-sweep': { type: 'boolean' },
        verify: { type: 'boolean' },
        train: { type: 'boolean' },
        layer: { type: 'boolean' },
        'cross-check': { type: 'string' },
        'dispatch-floor': { type: 'boolean' },
        json: { type: 'string' },
        csv: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    // node:util's messages are sentences already; keep the first line and point at --help.
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);
    throw new UsageError(`${message.replace(/\.?$/, '.')} See --help.`);
  }
  const list = (text: string): string[] =>
    text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const forms = values.forms === undefined ? [...ATTENTION_FORMS] : list(values.forms);
  for (const form of forms) oneOf('forms', form, ATTENTION_FORMS as readonly string[]);
  if (forms.length === 0) throw new UsageError('--forms needs at least one form.');
  const dispatchFloor = values['dispatch-floor'] ?? false;
  const tokens =
    values.tokens === undefined
      ? [...(dispatchFloor ? DISPATCH_FLOOR_TOKENS : DEFAULT_SWEEP_TOKENS)]
      : list(values.tokens).map((t) => integer('tokens', t, 1));
  if (tokens.length === 0) throw new UsageError('--tokens needs at least one context length.');
  const clock = oneOf('clock', values.clock ?? 'auto', [
    'auto',
    'gpu-timestamp',
    'wall-clock',
  ] as const as readonly string[]) as BenchArgs['clock'];
  const args: BenchArgs = {
    forms: forms as AttentionForm[],
    tokens: [...new Set(tokens)].sort((a, b) => a - b),
    heads: values.heads === undefined ? 12 : integer('heads', values.heads, 1),
    dim: oneOf(
      'dim',
      values.dim === undefined ? 64 : integer('dim', values.dim, 1),
      SUPPORTED_DIMS as readonly number[],
    ),
    chunk:
      values.chunk === 'auto'
        ? DEFAULT_CHUNK_SIZE
        : oneOf(
            'chunk',
            values.chunk === undefined ? DEFAULT_CHUNK_SIZE : integer('chunk', values.chunk, 1),
            CHUNK_SIZES as readonly number[],
          ),
    chunkAuto: values.chunk === 'auto',
    featureMap: oneOf(
      'feature-map',
      values['feature-map'] ?? 'softplus',
      FEATURE_MAPS as readonly string[],
    ) as FeatureMap,
    normalize: !(values['no-normalize'] ?? false),
    budgetMs:
      values['budget-ms'] === undefined ? 2000 : integer('budget-ms', values['budget-ms'], 1),
    sweepBudgetMs:
      values['sweep-budget-ms'] === undefined
        ? 480_000
        : integer('sweep-budget-ms', values['sweep-budget-ms'], 1),
    samples: values.samples === undefined ? 10 : integer('samples', values.samples, 1),
    rounds: values.rounds === undefined ? 1 : integer('rounds', values.rounds, 1),
    settleClocks: values['settle-clocks'] ?? false,
    rotateBelowBytes:
      values['rotate-below'] === undefined
        ? 64 * 2 ** 20
        : integer('rotate-below', values['rotate-below'], 0) * 2 ** 20,
    clock,
    chunkSearch:
      values['chunk-search'] === undefined
        ? null
        : integer('chunk-search', values['chunk-search'], 1),
    generation: values.generation ?? false,
    sweep: !(values['no-sweep'] ?? false),
    verify: values.verify ?? false,
    train: values.train ?? false,
    layer: values.layer ?? false,
    crossCheck:
      values['cross-check'] === undefined ? null : integer('cross-check', values['cross-check'], 1),
    dispatchFloor,
    json: values.json ?? null,
    csv: values.csv ?? null,
    help: values.help ?? false,
  };
  if (dispatchFloor) {
    const others = (
      [
        ['--verify', args.verify],
        ['--train', args.train],
        ['--layer', args.layer],
        ['--generation', args.generation],
        ['--chunk-search', args.chunkSearch !== null],
        ['--cross-check', args.crossCheck !== null],
        ['--csv', args.csv !== null],
        ['--chunk auto', args.chunkAuto],
      ] as const
    )
      .filter(([, on]) => on)
      .map(([name]) => name);
    if (others.length > 0) {
      throw new UsageError(`--dispatch-floor runs alone; drop ${others.join(', ')}.`);
    }
    return args;
  }
  if (
    !args.sweep &&
    args.chunkSearch === null &&
    !args.generation &&
    !args.verify &&
    !args.train &&
    !args.layer &&
    args.crossCheck === null
  ) {
    throw new UsageError(
      '--no-sweep leaves nothing to do; add --chunk-search, --generation, --verify or --cross-check.',
    );
  }
  return args;
}
