/**
 * Measured numbers in posts (and README), rendered from data/ at build time: a `{{...}}` token in
 * the Markdown becomes the value, formatted, and a token whose value is missing from the data fails
 * the build with a sentence naming the token. Nothing measured is typed by hand.
 *
 * A token is a function name and its arguments, separated by spaces: `{{time linear-chunked 65536}}`.
 * Series (S): an attention form of the reference sweep (`linear-chunked`, `softmax-flash`, ...);
 * `decode.kv-cache`, `decode.state` (generation); `chunk.64` (chunk search, c = 64);
 * `torch.softmax-sdpa`, `torch.linear-chunked-norm`, `fla.fla-chunk-norm` (native baselines, fp32;
 * fla in Triton's default TF32); `torch-bf16.softmax-sdpa` (SDPA's fused bf16 kernel), `fla-bf16.fla-chunk`;
 * `h100.flash`, `h100.no-flash`, `h100.linear-naive`, `h100.chunked` (the source post's training
 * steps), `h100.sample-kv`, `h100.sample-linear` (its per-token sampling).
 * Training steps (data/training-h200.json), SCOPE `attention` (attention alone) or `layer` (a whole
 * pre-norm block): `train.SCOPE.FORM` (ours: `train.layer.linear-chunked`), `train-torch.SCOPE.FORM`
 * (PyTorch fp32: `train-torch.attention.softmax-sdpa`), `train-torch-bf16.SCOPE.FORM`,
 * `train-fla.SCOPE.FORM` (fla, TF32: `train-fla.layer.fla-gla-chunk`), `train-fla-bf16.SCOPE.FORM`.
 *
 * Functions:
 *   time S T             median time at T, with its unit ("3.54 ms", "72.1 µs")
 *   call-time S T        a native series' time per call at T launched call by call from Python,
 *                        host launches included (callMs; its `time` is the CUDA-graph replay's
 *                        GPU time); fails where the dataset has none
 *   spread S T           min-max of the round medians ("3.47-3.54 ms"); fails with fewer than 2 rounds
 *   across-rounds S T    the same as a phrase: "3.47-3.54 ms across rounds", or "every round
 *                        3.54 ms" when the fastest and slowest round print alike
 *   rounds S T           rounds that measured S at T;  `rounds` alone: the sweep's rounds
 *   ratio A B T          time of A over time of B at T ("12×")
 *   compare A B T        A against B at T, either way round: "1.3× faster than" or "2× slower than"
 *   pct A B T            how much slower A is than B at T, in percent ("26%")
 *   tflops S T           TFLOP/s (cost-model FLOPs over the median)
 *   crossover A B        where B becomes faster than A for good ("between 128 and 256 tokens")
 *   last-tokens S        the longest measured context ("16,384")
 *   estimate-quadratic S T  the last measured time of S scaled by (T / T_last)^2
 *   flop-time S T REF    S's FLOPs at T at the rate S reached at REF: the time without overheads
 *   best-chunk T         the fastest chunk size of the chunk search at T ("128")
 *   pct-best C T         how chunk size C compares with the fastest at T: "26% slower than the
 *                        fastest, c = 32", or "the fastest" when C is the fastest
 *   range S              min to max of S's medians over every measured T ("12.6-15.3 µs")
 *   max-spread-pct FROM  the widest spread across rounds, (max - min) / median, over every form at
 *                        T >= FROM, in percent
 *   published-speedups T  FlashAttention over chunked at T for the larger published models
 *                        (355M, 774M, 1.6B; series h100.flash-355m, h100.chunked-1.6b, ...)
 *   published-slowdown   the most the chunked step was slower than FlashAttention's, those models
 *   machine, date, torch-version, sdpa-fp32-kernel, sgemm-tflops DTYPE
 *   dataset-commit       the commit whose kernels the reference call measured ("9a7c9b6"); fails
 *                        where the dataset names none
 *   sdpa-default DTYPE   the fused kernel SDPA's default ran in DTYPE (fp32, bf16), in words
 *                        ("cuDNN's fused attention"); fails where the dataset does not record it
 *   train-rounds         the rounds of the training-step call; train-layer-shape: "768 and 3,072"
 *
 * The learning reference (data/learning-h200.json, scripts/make-learning-data.mjs): a run is named
 * by its form, pairs and width, `softmax 16 64`.
 *   learning-recall F P D   the run's recall over its last tenth of steps ("97%")
 *   learning-loss F P D     its loss there, nats ("0.12")
 *   learning-steps [F P D]  steps taken by that run; alone, the steps every run took ("3,000"),
 *                           failing if they differ
 *   learning-final-steps    the steps the final values average over ("300")
 *   learning-seed, learning-batch, learning-lr, learning-processes, learning-machine,
 *   learning-date           the same for every run, or the token fails
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  formatFraction,
  formatPercent,
  formatSpeedup,
  formatTime,
  formatTimeRange,
  formatTokens,
} from '../../src/widgets/shared/format.ts';
import {
  adaptReference,
  SDPA_BACKEND_NAMES,
  type ReferenceBaseline,
  type ReferenceDataset,
  type ReferenceRecord,
  type RoundSpread,
} from '../../src/widgets/shared/reference-dataset.ts';
import {
  adaptTraining,
  type TrainingBaseline,
  type TrainingDataset,
  type TrainingRecord,
} from '../../src/widgets/shared/training-dataset.ts';

/** The source post's published series, as data/published-h100.json holds them. */
interface PublishedFile {
  series: { label: string; x: number[]; y: number[] }[];
  sampling?: { label: string; x: number[]; y: number[] }[];
  /** The same figure for GPT-2 355M, 774M and 1.6B: FlashAttention and chunked only. */
  largerModels?: { model: string; label: string; x: number[]; y: number[] }[];
}

/** Everything a token can read. */
export interface TokenData {
  reference: ReferenceDataset;
  published: PublishedFile | null;
  /** data/learning-h200.json, when there is one. */
  learning?: LearningFile | null;
  /** Training steps, ours and native (data/training-h200.json); null when the file is absent. */
  training?: TrainingDataset | null;
}

/** The fields of data/learning-h200.json (src/bench/train-merge.ts) the tokens read. */
interface LearningRun {
  model: { form: string; dModel: number; batch: number };
  task: { pairs: number };
  optimizer: { learningRate: number };
  seed: number;
  steps: number;
  final: { steps: number; loss: number; recall: number };
}

interface LearningFile {
  machine: string;
  date: string;
  processes: number;
  runs: LearningRun[];
}

/** A value of a series at one context length. */
interface Point {
  tokens: number;
  ms: number;
  spread: RoundSpread | null;
  rounds: number;
  /** TFLOP/s, when the cost model knows the work. */
  tflops: number | null;
  /** Native baselines: the time per call launched call by call from Python, where recorded. */
  callMs?: number | null;
}

/** The source post's larger models, as series suffixes (`h100.flash-355m`). */
const LARGER = ['355m', '774m', '1.6b'] as const;

/** A token whose value is missing or malformed: the sentence the build fails with. */
class TokenError extends Error {}

const PUBLISHED_IDS: Record<string, [key: 'series' | 'sampling', label: string]> = {
  'h100.flash': ['series', 'Baseline transformer'],
  'h100.no-flash': ['series', 'Baseline transformer (no FlashAttention)'],
  'h100.linear-naive': ['series', 'Naïve linear transformer'],
  'h100.chunked': ['series', 'Optimized linear transformer'],
  'h100.sample-kv': ['sampling', 'KV-Cache Transformer'],
  'h100.sample-linear': ['sampling', 'Linear Transformer'],
};

/** Reads data/reference-h200.json and data/published-h100.json; null when the reference is absent. */
export function loadTokenData(dataDir: string): TokenData | null {
  const file = resolve(dataDir, 'reference-h200.json');
  if (!existsSync(file)) return null;
  const reference = adaptReference(JSON.parse(readFileSync(file, 'utf8')));
  if (!reference) return null;
  const publishedFile = resolve(dataDir, 'published-h100.json');
  const published = existsSync(publishedFile)
    ? (JSON.parse(readFileSync(publishedFile, 'utf8')) as PublishedFile)
    : null;
  const learningFile = resolve(dataDir, 'learning-h200.json');
  const learning = existsSync(learningFile)
    ? (JSON.parse(readFileSync(learningFile, 'utf8')) as LearningFile)
    : null;
  const trainingFile = resolve(dataDir, 'training-h200.json');
  const training = existsSync(trainingFile)
    ? adaptTraining(JSON.parse(readFileSync(trainingFile, 'utf8')))
    : null;
  return { reference, published, learning, training };
}

/** A training-step series: `train.SCOPE.FORM` (ours) or `train-IMPL[-bf16].SCOPE.FORM` (native). */
function trainingPoints(data: TokenData, kind: string, name: string): Point[] {
  const training = data.training;
  if (!training) throw new TokenError('no training-step data (data/training-h200.json)');
  const dot = name.indexOf('.');
  const scope = name.slice(0, dot);
  const form = name.slice(dot + 1);
  if (dot < 0 || (scope !== 'attention' && scope !== 'layer')) {
    throw new TokenError(`"${kind}.${name}" needs a scope, attention or layer, before the form`);
  }
  if (kind === 'train') {
    return training.records
      .filter((r) => r.scope === scope && r.form === form && r.status === 'ok')
      .map((r: TrainingRecord) => fromRecord(r));
  }
  const m = /^train-(torch|fla)(-bf16)?$/.exec(kind);
  if (!m) throw new TokenError(`unknown series "${kind}.${name}"`);
  const dtype = m[2] ? 'bf16' : 'fp32';
  return training.native
    .filter((n) => n.scope === scope && n.impl === m[1] && n.form === form && n.dtype === dtype)
    .map((n: TrainingBaseline) => ({
      tokens: n.tokens,
      ms: n.ms,
      spread: n.spread,
      rounds: n.rounds,
      tflops: null,
    }));
}

const fromRecord = (r: ReferenceRecord): Point => ({
  tokens: r.tokens,
  ms: r.medianMs!,
  spread: r.spread,
  rounds: r.rounds,
  tflops: r.gflops === null ? null : r.gflops / 1000,
});

const fromBaseline = (b: ReferenceBaseline): Point => ({
  tokens: b.tokens,
  ms: b.ms,
  spread: b.spread,
  rounds: b.rounds,
  tflops: b.tflops,
  callMs: b.callMs,
});

/** Every measured point of a series, sorted by context length. */
function seriesPoints(data: TokenData, series: string): Point[] {
  const ref = data.reference;
  const ok = (r: ReferenceRecord) => r.status === 'ok' && r.medianMs !== null;
  const dot = series.indexOf('.');
  const [kind, name] = dot < 0 ? ['', series] : [series.slice(0, dot), series.slice(dot + 1)];
  let points: Point[];
  if (kind === '') {
    points = ref.records.filter((r) => r.form === name && ok(r)).map(fromRecord);
  } else if (kind === 'decode') {
    points = ref.generation.filter((r) => r.form === name && ok(r)).map(fromRecord);
  } else if (kind === 'chunk') {
    points = ref.chunkSearch.filter((r) => String(r.chunkSize) === name && ok(r)).map(fromRecord);
  } else if (['torch', 'fla', 'torch-bf16', 'fla-bf16'].includes(kind)) {
    const list = kind.endsWith('-bf16') ? ref.torchBf16 : ref.torch;
    const impl = kind.replace(/-bf16$/, '');
    points = list.filter((b) => b.impl === impl && b.form === name).map(fromBaseline);
  } else if (kind.startsWith('train')) {
    points = trainingPoints(data, kind, name);
  } else if (kind === 'h100' && /^(flash|chunked)-(355m|774m|1\.6b)$/.test(name)) {
    const [what, model] = name.split(/-(.*)/) as [string, string];
    const label = what === 'flash' ? 'Baseline transformer' : 'Optimized linear transformer';
    const s = data.published?.largerModels?.find(
      (x) => x.label === label && x.model.toLowerCase() === model,
    );
    points = (s?.x ?? []).map((x, i) => ({
      tokens: x,
      ms: s!.y[i] ?? Number.NaN,
      spread: null,
      rounds: 1,
      tflops: null,
    }));
  } else if (kind === 'h100') {
    const id = PUBLISHED_IDS[series];
    if (!id) throw new TokenError(`unknown published series "${series}"`);
    const s = data.published?.[id[0]]?.find((x) => x.label === id[1]);
    points = (s?.x ?? []).map((x, i) => ({
      tokens: x,
      ms: s!.y[i] ?? Number.NaN,
      spread: null,
      rounds: 1,
      tflops: null,
    }));
  } else {
    throw new TokenError(`unknown series "${series}"`);
  }
  if (points.length === 0) throw new TokenError(`no measured values for "${series}"`);
  return points.sort((a, b) => a.tokens - b.tokens);
}

function pointAt(data: TokenData, series: string, tokensText: string | undefined): Point {
  const tokens = Number(tokensText);
  if (!Number.isInteger(tokens) || tokens < 0) {
    throw new TokenError(`"${series}" needs a context length, not "${tokensText ?? ''}"`);
  }
  const p = seriesPoints(data, series).find((x) => x.tokens === tokens);
  if (!p || !(p.ms > 0)) {
    throw new TokenError(`no measured value for "${series}" at ${tokens} tokens`);
  }
  return p;
}

/** Where B becomes faster than A and stays faster at every longer length both measured. */
function crossover(data: TokenData, a: string, b: string): string {
  const pa = new Map(seriesPoints(data, a).map((p) => [p.tokens, p.ms]));
  const shared = seriesPoints(data, b).filter((p) => pa.has(p.tokens));
  if (shared.length === 0) throw new TokenError(`"${a}" and "${b}" share no measured length`);
  let from = -1;
  for (let i = shared.length - 1; i >= 0; i--) {
    if (shared[i]!.ms < pa.get(shared[i]!.tokens)!) from = i;
    else break;
  }
  if (from < 0) throw new TokenError(`"${b}" is not faster than "${a}" at the longest length`);
  if (from === 0) return `from ${formatTokens(shared[0]!.tokens)} tokens, the shortest measured`;
  return `between ${formatTokens(shared[from - 1]!.tokens)} and ${formatTokens(shared[from]!.tokens)} tokens`;
}

/** The fastest chunk size of the chunk search at T. */
function bestChunk(ref: ReferenceDataset, tokensText: string): ReferenceRecord {
  const t = Number(tokensText);
  const best = ref.chunkSearch
    .filter((r) => r.tokens === t && r.status === 'ok' && r.medianMs !== null)
    .sort((a, b) => a.medianMs! - b.medianMs!)[0];
  if (!best) throw new TokenError(`no chunk search at ${tokensText} tokens`);
  return best;
}

/** The learning reference's run of one form, pairs and width. */
function learningRun(data: TokenData, args: string[]): LearningRun {
  const learning = data.learning;
  if (!learning) throw new TokenError('no learning reference (data/learning-h200.json)');
  const [form, pairs, dModel] = args;
  const run = learning.runs.find(
    (r) =>
      r.model.form === form && String(r.task.pairs) === pairs && String(r.model.dModel) === dModel,
  );
  if (!run) {
    throw new TokenError(
      `the learning reference has no ${form} run with ${pairs} pairs at width ${dModel}`,
    );
  }
  return run;
}

/** A value every learning run shares; fails when they differ. */
function learningShared(data: TokenData, what: string, pick: (r: LearningRun) => number): number {
  const learning = data.learning;
  if (!learning) throw new TokenError('no learning reference (data/learning-h200.json)');
  const values = new Set(learning.runs.map(pick));
  if (values.size !== 1) {
    throw new TokenError(`the learning runs differ in ${what} (${[...values].join(', ')})`);
  }
  return [...values][0]!;
}

function evaluate(data: TokenData, words: string[]): string {
  const [fn, ...args] = words;
  const ref = data.reference;
  const need = (n: number) => {
    if (args.length !== n) {
      throw new TokenError(`"${fn}" takes ${n} argument(s), not ${args.length}`);
    }
  };
  switch (fn) {
    case 'time':
      need(2);
      return formatTime(pointAt(data, args[0]!, args[1]).ms);
    case 'call-time': {
      need(2);
      const p = pointAt(data, args[0]!, args[1]);
      if (!(typeof p.callMs === 'number' && p.callMs > 0)) {
        throw new TokenError(
          `"${args[0]}" at ${args[1]} tokens has no time launched call by call (callMs)`,
        );
      }
      return formatTime(p.callMs);
    }
    case 'spread': {
      need(2);
      const p = pointAt(data, args[0]!, args[1]);
      if (!p.spread) {
        throw new TokenError(`"${args[0]}" at ${args[1]} tokens has no spread (one round)`);
      }
      return formatTimeRange(p.spread.minMs, p.spread.maxMs);
    }
    case 'across-rounds': {
      need(2);
      const p = pointAt(data, args[0]!, args[1]);
      if (!p.spread) {
        throw new TokenError(`"${args[0]}" at ${args[1]} tokens has no spread (one round)`);
      }
      // "1.33–1.33 ms" says nothing a reader can use: the rounds agree to the digits shown.
      const [lo, hi] = [formatTime(p.spread.minMs), formatTime(p.spread.maxMs)];
      return lo === hi
        ? `every round ${lo}`
        : `${formatTimeRange(p.spread.minMs, p.spread.maxMs)} across rounds`;
    }
    case 'rounds':
      if (args.length === 0) return String(ref.rounds);
      need(2);
      return String(pointAt(data, args[0]!, args[1]).rounds);
    case 'ratio':
      need(3);
      return formatSpeedup(
        pointAt(data, args[0]!, args[2]).ms / pointAt(data, args[1]!, args[2]).ms,
      );
    case 'compare': {
      need(3);
      // A's speed against B's, in words that follow the data: "1.3× faster than", "2× slower than".
      const a = pointAt(data, args[0]!, args[2]).ms;
      const b = pointAt(data, args[1]!, args[2]).ms;
      return a <= b ? `${formatSpeedup(b / a)} faster than` : `${formatSpeedup(a / b)} slower than`;
    }
    case 'pct':
      need(3);
      return formatPercent(
        (pointAt(data, args[0]!, args[2]).ms / pointAt(data, args[1]!, args[2]).ms - 1) * 100,
      );
    case 'tflops': {
      need(2);
      const p = pointAt(data, args[0]!, args[1]);
      if (p.tflops === null) throw new TokenError(`"${args[0]}" has no FLOP count`);
      return p.tflops.toPrecision(3);
    }
    case 'crossover':
      need(2);
      return crossover(data, args[0]!, args[1]!);
    case 'last-tokens': {
      need(1);
      const points = seriesPoints(data, args[0]!);
      return formatTokens(points[points.length - 1]!.tokens);
    }
    case 'estimate-quadratic': {
      need(2);
      const points = seriesPoints(data, args[0]!);
      const last = points[points.length - 1]!;
      const t = Number(args[1]);
      if (!(t > last.tokens)) throw new TokenError(`estimate-quadratic needs T beyond the data`);
      return formatTime(last.ms * (t / last.tokens) ** 2);
    }
    case 'flop-time': {
      need(3);
      const p = pointAt(data, args[0]!, args[1]);
      const r = pointAt(data, args[0]!, args[2]);
      if (p.tflops === null || r.tflops === null) {
        throw new TokenError(`"${args[0]}" has no FLOP count`);
      }
      return formatTime((p.tflops * p.ms) / r.tflops);
    }
    case 'best-chunk': {
      need(1);
      return String(bestChunk(ref, args[0]!).chunkSize);
    }
    case 'pct-best': {
      need(2);
      const best = bestChunk(ref, args[1]!);
      const c = pointAt(data, `chunk.${args[0]}`, args[1]);
      if (best.chunkSize === Number(args[0])) return 'the fastest';
      return `${formatPercent((c.ms / best.medianMs! - 1) * 100)} slower than the fastest, c = ${best.chunkSize}`;
    }
    case 'range': {
      need(1);
      const ms = seriesPoints(data, args[0]!).map((p) => p.ms);
      return formatTimeRange(Math.min(...ms), Math.max(...ms));
    }
    case 'max-spread-pct': {
      need(1);
      const from = Number(args[0]);
      const widths = ref.records
        .filter((r) => r.tokens >= from && r.spread && r.medianMs)
        .map((r) => ((r.spread!.maxMs - r.spread!.minMs) / r.medianMs!) * 100);
      if (widths.length === 0) throw new TokenError(`no spread at ${from} tokens or more`);
      return formatPercent(Math.max(...widths));
    }
    case 'published-speedups': {
      // FlashAttention over chunked at T, lowest to highest over the larger published models.
      need(1);
      const ratios = LARGER.map(
        (m) =>
          pointAt(data, `h100.flash-${m}`, args[0]).ms /
          pointAt(data, `h100.chunked-${m}`, args[0]).ms,
      );
      return `${Math.min(...ratios).toFixed(1)} to ${Math.max(...ratios).toFixed(1)} times`;
    }
    case 'published-slowdown': {
      // The most the chunked step was slower than FlashAttention's, over the larger models.
      need(0);
      let worst = 0;
      for (const m of LARGER) {
        const flash = new Map(seriesPoints(data, `h100.flash-${m}`).map((p) => [p.tokens, p.ms]));
        for (const p of seriesPoints(data, `h100.chunked-${m}`)) {
          const f = flash.get(p.tokens);
          if (f) worst = Math.max(worst, p.ms / f - 1);
        }
      }
      return formatPercent(worst * 100);
    }
    case 'train-rounds':
      need(0);
      if (!data.training) throw new TokenError('no training-step data (data/training-h200.json)');
      return String(data.training.rounds);
    case 'train-layer-shape':
      need(0);
      if (!data.training?.layer) throw new TokenError('the training data has no layer shape');
      return `${formatTokens(data.training.layer.dModel)} and ${formatTokens(data.training.layer.mlp)}`;
    case 'machine':
      need(0);
      return ref.machine;
    case 'date':
      need(0);
      return ref.date.slice(0, 10);
    case 'dataset-commit':
      need(0);
      if (!ref.commit) {
        throw new TokenError(
          'the reference dataset names no commit (make it with make-reference-data.mjs --commit SHA)',
        );
      }
      return ref.commit;
    case 'torch-version':
      need(0);
      if (!ref.torchInfo?.torch) throw new TokenError('the dataset names no PyTorch version');
      return ref.torchInfo.torch.replace(/\+.*/, '');
    case 'sdpa-fp32-kernel': {
      need(0);
      const fused = ref.torchInfo?.sdpaBackends.fp32?.find((b) => b !== 'math');
      if (!fused) throw new TokenError('the dataset names no fused fp32 SDPA backend');
      return SDPA_BACKEND_NAMES[fused]?.words ?? fused.replace(/_/g, ' ');
    }
    case 'sdpa-default': {
      need(1);
      const backend = ref.torchInfo?.sdpaDefault[args[0]!];
      if (!backend) throw new TokenError(`the dataset does not record SDPA's ${args[0]} kernel`);
      return SDPA_BACKEND_NAMES[backend]?.words ?? backend.replace(/_/g, ' ');
    }
    case 'sgemm-tflops': {
      need(1);
      const list = args[0] === 'bf16' ? ref.torchBf16 : ref.torch;
      const s = list.find((b) => b.form === 'sgemm');
      if (!s?.tflops) throw new TokenError(`no ${args[0]} GEMM rate in the dataset`);
      return s.tflops.toPrecision(3);
    }
    case 'learning-recall':
      need(3);
      return formatFraction(learningRun(data, args).final.recall);
    case 'learning-loss':
      need(3);
      return learningRun(data, args).final.loss.toFixed(2);
    case 'learning-steps':
      if (args.length === 0) return formatTokens(learningShared(data, 'steps', (r) => r.steps));
      need(3);
      return formatTokens(learningRun(data, args).steps);
    case 'learning-final-steps':
      need(0);
      return formatTokens(learningShared(data, 'final steps', (r) => r.final.steps));
    case 'learning-seed':
      need(0);
      return String(learningShared(data, 'seed', (r) => r.seed));
    case 'learning-batch':
      need(0);
      return String(learningShared(data, 'batch', (r) => r.model.batch));
    case 'learning-lr':
      need(0);
      return String(learningShared(data, 'learning rate', (r) => r.optimizer.learningRate));
    case 'learning-processes':
      need(0);
      if (!data.learning) throw new TokenError('no learning reference (data/learning-h200.json)');
      return String(data.learning.processes);
    case 'learning-machine':
      need(0);
      if (!data.learning) throw new TokenError('no learning reference (data/learning-h200.json)');
      return data.learning.machine;
    case 'learning-date':
      need(0);
      if (!data.learning) throw new TokenError('no learning reference (data/learning-h200.json)');
      return data.learning.date.slice(0, 10);
    default:
      throw new TokenError(`unknown function "${fn ?? ''}"`);
  }
}

const TOKEN = /\{\{([^{}]*)\}\}/g;

/**
 * Replaces every `{{...}}` token in `text` with its value from `data`. Problems (a missing value,
 * an unknown function, no data at all) are returned as sentences naming the token and its line;
 * the token is then left in the text.
 */
export function resolveDataTokens(
  text: string,
  data: TokenData | null,
): { text: string; problems: string[] } {
  const problems: string[] = [];
  const out = text.replace(TOKEN, (whole, inner: string, offset: number) => {
    const line = text.slice(0, offset).split('\n').length;
    if (!data) {
      problems.push(
        `data token ${whole} on line ${line}: no reference data (data/reference-h200.json)`,
      );
      return whole;
    }
    try {
      return evaluate(data, inner.trim().split(/\s+/));
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      problems.push(`data token ${whole} on line ${line}: ${error.message}`);
      return whole;
    }
  });
  return { text: out, problems };
}

/**
 * Resolves a post's tokens from `dataDir` (default: the `data/` folder beside the post's folder).
 * Sources without tokens are returned unchanged, without reading any file.
 */
export function applyDataTokens(
  source: string,
  postFile: string,
  dataDir?: string,
): { text: string; problems: string[] } {
  if (!source.includes('{{')) return { text: source, problems: [] };
  return resolveDataTokens(source, loadTokenData(dataDir ?? resolve(postFile, '..', '..', 'data')));
}
