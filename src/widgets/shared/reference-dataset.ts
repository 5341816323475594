/**
 * The reference dataset's format (data/reference-h200.json), validated and adapted: pure functions
 * with no bundler features, so the widgets (through reference-data.ts), the site build (numbers in
 * the article, site/build/data-tokens.ts) and the scripts read the file through one validator.
 *
 * The file, as scripts/make-reference-data.mjs writes it from one GPU call:
 * - `records`: the context-length sweep ('forward' records of src/gpu/records.ts), one per point,
 *   each the median over `rounds` independent rounds with the spread across rounds in `spread`
 *   (min, p25, p75, max of the round medians) and the round medians in `roundsMs`.
 * - `chunkSearch`, `generation`: the same, for the chunk-size search and the decode steps.
 * - `torch`: PyTorch native fp32 (TF32 off) on the same card in the same call: fused SDPA, an eager
 *   chunked linear attention, fp32 SGEMM and a device copy; and flash-linear-attention (`impl`
 *   'fla'), whose fp32 dots run in TF32 unless `precision` says 'ieee'.
 * - `torchBf16`: the same script with `--dtype bf16` (tensor cores): SDPA then runs the fused
 *   kernel PyTorch picks (torchInfo.sdpaDefault names it where recorded), fla its bf16 kernels.
 * - `rounds`, `note`, `generatedBy`, `sources`: how it was measured, the command, the raw files.
 * - `commit`: the repository commit whose kernels were measured (a short SHA); files made before
 *   make-reference-data.mjs took `--commit` have none.
 * - `limits`: the device's limits the bench records carry (RecordLimits: workgroup memory, buffer
 *   and binding sizes); files made from records written before the field existed have none.
 * Files written before rounds existed lack the round fields; they read as one round, no spread.
 */
import type { BenchRecord, RecordLimits } from '../../gpu/records.ts';
import type { RoundSpread } from '../../gpu/rounds.ts';
import { ATTENTION_FORMS, type AttentionForm } from '../../gpu/types.ts';

export type { RoundSpread };

/** A record as the dataset holds it: the round fields are always there. */
export type ReferenceRecord = BenchRecord & {
  /** Rounds that measured the point (0 for a skipped point). */
  rounds: number;
  /** Each measuring round's median ms, in round order. */
  roundsMs: number[];
  /** Min, p25, p75 and max of `roundsMs` in ms; null with fewer than two rounds. */
  spread: RoundSpread | null;
};

/** A native baseline from the reference machine (PyTorch or flash-linear-attention). */
export interface TorchBaseline {
  /** 'torch' (PyTorch's own kernels) or 'fla' (flash-linear-attention, Triton). */
  impl: string;
  /**
   * 'softmax-sdpa' (fused scaled_dot_product_attention), 'linear-chunked' (eager, identity
   * features), 'linear-chunked-norm' (eager, softplus and normaliser), 'fla-chunk',
   * 'fla-chunk-norm', 'fla-gla-chunk', 'sgemm' (tokens = N of an N x N matmul), 'copy'.
   */
  form: string;
  tokens: number;
  heads: number;
  dim: number;
  /** Median ms (over rounds, when there were several). */
  ms: number;
  /** 'fp32' (TF32 off in PyTorch) or 'bf16'; absent in older files, read as 'fp32'. */
  dtype?: 'fp32' | 'bf16';
  /** fla only: Triton's fp32 dot precision, 'tf32' (its default) or 'ieee'; else null. */
  precision?: string | null;
  /** Causal attention FLOPs (SDPA) or 2N^3 (sgemm) over the median time; else null. */
  tflops?: number | null;
  /** Rounds (separate runs of the script in the call); 1 when absent. */
  rounds?: number;
  /** Each round's median ms. */
  roundsMs?: number[];
  /** Min, p25, p75, max of `roundsMs`; null with fewer than two rounds. */
  spread?: RoundSpread | null;
  /**
   * Where `ms` is a CUDA-graph replay's GPU time: the same batch launched call by call from
   * Python, host launches included, per call (median over rounds); null when not recorded.
   */
  callMs?: number | null;
}

/** What ran the native baselines. */
export interface TorchInfo {
  /** "NVIDIA H200". */
  device: string;
  /** PyTorch's version, "2.11.0+cu130". */
  torch: string;
  /** Triton's fp32 dot precision for fla: 'tf32' (the default) or 'ieee'. */
  tritonF32Default: string;
  /** SDPA backends that accepted a causal input, per dtype ('efficient_attention', ...). */
  sdpaBackends: Record<string, string[]>;
  /**
   * The backend SDPA's default ran, per dtype ('cudnn_attention', ...), where the file records one
   * (scripts/make-reference-data.mjs; files before 2026-12-02, or a call whose lengths ran
   * different backends, name none for that dtype).
   */
  sdpaDefault: Record<string, string>;
}

/**
 * SDPA's backends as torch.backends.cuda names them (TorchInfo.sdpaBackends, sdpaDefault): in words
 * for a sentence, "SDPA ran ..." (`words`), and short, for a table heading (`short`). The one table
 * for the article's and README's numbers (site/build) and the dataset's note
 * (scripts/make-reference-data.mjs).
 */
export const SDPA_BACKEND_NAMES: Readonly<Record<string, { words: string; short: string }>> = {
  cudnn_attention: { words: "cuDNN's fused attention", short: 'cuDNN' },
  flash_attention: { words: 'FlashAttention-2', short: 'FlashAttention-2' },
  efficient_attention: { words: 'memory-efficient attention', short: 'memory-efficient' },
  math: { words: 'the unfused math path', short: 'math' },
};

/** A baseline as the dataset holds it: every field present. */
export type ReferenceBaseline = Required<TorchBaseline>;

export interface ReferenceDataset {
  /** "NVIDIA H200", or for the placeholder the emulator's name. */
  machine: string;
  /** "reference GPU: NVIDIA H200 (…)" or "placeholder data: …", as shown to readers. */
  label: string;
  placeholder: boolean;
  runtime: string;
  date: string;
  heads: number;
  dim: number;
  /** Rounds the sweep was asked for (the most any record has); 1 in older files. */
  rounds: number;
  /** How the data was measured, in a sentence or two; '' when the file has none. */
  note: string;
  /** The command(s) that produced the raw files. */
  generatedBy: string;
  /**
   * The commit whose kernels were measured ("9a7c9b6"); absent when the file names none or names
   * something that is not a commit. The code may have changed since: the dataset is not re-measured
   * with every commit.
   */
  commit?: string;
  /**
   * The device's limits as the call recorded them (those that are positive whole numbers); absent
   * in files made from records written before the bench recorded them.
   */
  limits?: Partial<RecordLimits>;
  /** The raw files under data/runs/ this dataset was made from. */
  sources: string[];
  /** The baselines' software, as torch-anchor.py reported it; null when the file has none. */
  torchInfo: TorchInfo | null;
  /** Context-length sweep ('forward' records). */
  records: ReferenceRecord[];
  /** linear-chunked at one T for each chunk size. */
  chunkSearch: ReferenceRecord[];
  /** Decode steps against position. */
  generation: ReferenceRecord[];
  /** PyTorch (and fla) in fp32 on the same card, same call. */
  torch: ReferenceBaseline[];
  /** PyTorch (SDPA's fused kernel) and fla in bf16, tensor cores, same call. */
  torchBf16: ReferenceBaseline[];
  /** Entries dropped by validation, with why (for the console and tests). */
  dropped: string[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FORMS: readonly string[] = ATTENTION_FORMS;
const DECODE_KINDS: readonly string[] = ['kv-cache', 'state'];

const positive = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x > 0;

/** Checks a spread object; returns a sentence for what is wrong, or null. */
function checkSpread(spread: unknown, medianMs: unknown): string | null {
  if (spread === null || spread === undefined) return null;
  if (!isObject(spread)) return 'spread is not an object';
  const { minMs, p25Ms, p75Ms, maxMs } = spread;
  if (!positive(minMs) || !positive(p25Ms) || !positive(p75Ms) || !positive(maxMs)) {
    return 'spread needs positive minMs, p25Ms, p75Ms and maxMs';
  }
  const m = typeof medianMs === 'number' ? medianMs : p25Ms;
  if (!(minMs <= p25Ms && p25Ms <= m && m <= p75Ms && p75Ms <= maxMs)) {
    return 'spread is not ordered min <= p25 <= median <= p75 <= max';
  }
  return null;
}

/** Checks the round fields shared by records and baselines; a sentence, or null. */
function checkRounds(r: Record<string, unknown>, median: unknown): string | null {
  if (r.rounds !== undefined && !(typeof r.rounds === 'number' && Number.isInteger(r.rounds))) {
    return 'rounds is not a whole number';
  }
  if (r.roundsMs !== undefined && !(Array.isArray(r.roundsMs) && r.roundsMs.every(positive))) {
    return 'roundsMs is not a list of positive numbers';
  }
  if (Array.isArray(r.roundsMs) && typeof r.rounds === 'number' && r.roundsMs.length !== r.rounds) {
    return `rounds says ${r.rounds} but roundsMs holds ${r.roundsMs.length}`;
  }
  return checkSpread(r.spread, median);
}

/** Checks the fields the widgets read; returns a sentence for what is wrong, or null. */
export function checkRecord(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  const r = value;
  if (r.task !== 'forward' && r.task !== 'chunk-search' && r.task !== 'decode') {
    return `unknown task ${String(r.task)}`;
  }
  const forms = r.task === 'decode' ? DECODE_KINDS : FORMS;
  if (typeof r.form !== 'string' || !forms.includes(r.form))
    return `unknown form ${String(r.form)}`;
  for (const key of ['heads', 'tokens', 'dim'] as const) {
    if (typeof r[key] !== 'number' || !(Number(r[key]) >= 1)) return `bad ${key}`;
  }
  if (r.status !== 'ok' && r.status !== 'skipped' && r.status !== 'error') return 'bad status';
  if (r.status === 'ok' && !(typeof r.medianMs === 'number' && r.medianMs > 0)) {
    return 'ok without a positive medianMs';
  }
  return checkRounds(r, r.medianMs);
}

/** The record with its round fields filled: a file without them measured one round. */
function withRounds(r: BenchRecord): ReferenceRecord {
  const measured = r.status === 'ok' && r.medianMs !== null;
  const rounds = r.rounds ?? (measured ? 1 : 0);
  return {
    ...r,
    rounds,
    roundsMs: r.roundsMs ?? (measured ? [r.medianMs!] : []),
    spread: rounds >= 2 ? (r.spread ?? null) : null,
  };
}

function records(value: unknown, name: string, dropped: string[]): ReferenceRecord[] {
  if (!Array.isArray(value)) {
    if (value !== undefined) dropped.push(`${name}: not an array`);
    return [];
  }
  const out: ReferenceRecord[] = [];
  value.forEach((entry, i) => {
    const problem = checkRecord(entry);
    if (problem) dropped.push(`${name}[${i}]: ${problem}`);
    else out.push(withRounds(entry as BenchRecord));
  });
  return out;
}

/** Checks one baseline entry; a sentence for what is wrong, or null. */
export function checkBaseline(value: unknown): string | null {
  if (!isObject(value)) return 'not an object';
  if (typeof value.impl !== 'string' || typeof value.form !== 'string') {
    return 'needs impl and form';
  }
  for (const key of ['tokens', 'heads', 'dim'] as const) {
    if (typeof value[key] !== 'number' || !(Number(value[key]) >= 0)) return `bad ${key}`;
  }
  if (!positive(value.ms)) return 'needs a positive ms';
  if (value.dtype !== undefined && value.dtype !== 'fp32' && value.dtype !== 'bf16') {
    return `unknown dtype ${String(value.dtype)}`;
  }
  return checkRounds(value, value.ms);
}

function baselines(
  value: unknown,
  name: string,
  dtype: 'fp32' | 'bf16',
  dropped: string[],
): ReferenceBaseline[] {
  if (!Array.isArray(value)) {
    if (value !== undefined) dropped.push(`${name}: not an array`);
    return [];
  }
  const out: ReferenceBaseline[] = [];
  value.forEach((entry: unknown, i) => {
    const problem = checkBaseline(entry);
    if (problem) {
      dropped.push(`${name}[${i}]: ${problem}`);
      return;
    }
    const t = entry as TorchBaseline;
    if ((t.dtype ?? 'fp32') !== dtype) {
      dropped.push(`${name}[${i}]: dtype ${String(t.dtype)} in the ${dtype} section`);
      return;
    }
    const rounds = t.rounds ?? 1;
    out.push({
      impl: t.impl,
      form: t.form,
      tokens: t.tokens,
      heads: t.heads,
      dim: t.dim,
      ms: t.ms,
      dtype,
      precision: t.precision ?? null,
      tflops: typeof t.tflops === 'number' ? t.tflops : null,
      rounds,
      roundsMs: t.roundsMs ?? [t.ms],
      spread: rounds >= 2 ? (t.spread ?? null) : null,
      callMs: positive(t.callMs) ? t.callMs : null,
    });
  });
  return out;
}

/** The baselines' software from a file's torchInfo; null when absent. */
export function adaptTorchInfo(raw: unknown): TorchInfo | null {
  if (!isObject(raw)) return null;
  const text = (x: unknown) => (typeof x === 'string' ? x : '');
  const backends: Record<string, string[]> = {};
  if (isObject(raw.sdpaBackends)) {
    for (const [dtype, list] of Object.entries(raw.sdpaBackends)) {
      if (Array.isArray(list)) backends[dtype] = list.filter((b) => typeof b === 'string');
    }
  }
  const chosen: Record<string, string> = {};
  if (isObject(raw.sdpaDefault)) {
    for (const [dtype, backend] of Object.entries(raw.sdpaDefault)) {
      if (typeof backend === 'string' && backend !== '') chosen[dtype] = backend;
    }
  }
  return {
    device: text(raw.device),
    torch: text(raw.torch),
    tritonF32Default: text(raw.tritonF32Default),
    sdpaBackends: backends,
    sdpaDefault: chosen,
  };
}

/** "NVIDIA H200" from whatever the file's adapter field holds. */
export function describeMachine(adapter: unknown): string {
  if (typeof adapter === 'string') return adapter;
  if (!isObject(adapter)) return 'unknown GPU';
  const text = [adapter.description, adapter.name, adapter.vendor, adapter.architecture]
    .filter((x): x is string => typeof x === 'string' && x.length > 0)
    .join(' ');
  if (/swiftshader/i.test(text)) return 'SwiftShader (CPU emulation)';
  // A short name ("NVIDIA H200") reads better than the driver string beside it.
  if (typeof adapter.name === 'string' && adapter.name) return adapter.name;
  const description = typeof adapter.description === 'string' ? adapter.description : '';
  if (description) return description;
  return text || 'unknown GPU';
}

/** A git commit's SHA as `git rev-parse [--short] HEAD` prints it: 7 to 40 lowercase hex digits. */
export function isCommitSha(value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{7,40}$/.test(value);
}

const LIMIT_NAMES = [
  'maxComputeWorkgroupStorageSize',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
] as const satisfies readonly (keyof RecordLimits)[];

/** The recorded limits that are positive whole numbers; undefined when there are none. */
function adaptLimits(value: unknown): Partial<RecordLimits> | undefined {
  if (!isObject(value)) return undefined;
  const limits: Partial<RecordLimits> = {};
  for (const name of LIMIT_NAMES) {
    const x = value[name];
    if (typeof x === 'number' && Number.isInteger(x) && x > 0) limits[name] = x;
  }
  return Object.keys(limits).length ? limits : undefined;
}

/** Validates the parsed JSON and adapts it; null when there is none or it is unusable. */
export function adaptReference(raw: unknown): ReferenceDataset | null {
  if (!isObject(raw)) return null;
  const dropped: string[] = [];
  const forward = records(raw.records, 'records', dropped).filter((r) => r.task === 'forward');
  const chunkSearch = records(raw.chunkSearch, 'chunkSearch', dropped);
  const generation = records(raw.generation, 'generation', dropped);
  const torch = baselines(raw.torch, 'torch', 'fp32', dropped);
  const torchBf16 = baselines(raw.torchBf16, 'torchBf16', 'bf16', dropped);
  const placeholder = raw.placeholder === true;
  const machine = describeMachine(raw.adapter ?? forward[0]?.adapter);
  const first = forward[0] ?? chunkSearch[0] ?? generation[0];
  const mostRounds = Math.max(1, ...forward.map((r) => r.rounds));
  const limits = adaptLimits(raw.limits ?? first?.limits);
  return {
    machine,
    label: placeholder
      ? `placeholder data: ${machine}, not the reference GPU`
      : `reference GPU: ${machine}`,
    placeholder,
    runtime: typeof raw.runtime === 'string' ? raw.runtime : (first?.runtime ?? ''),
    date: typeof raw.date === 'string' ? raw.date : (first?.date ?? ''),
    heads: typeof raw.heads === 'number' ? raw.heads : (first?.heads ?? 12),
    dim: typeof raw.dim === 'number' ? raw.dim : (first?.dim ?? 64),
    rounds:
      typeof raw.rounds === 'number' && Number.isInteger(raw.rounds) && raw.rounds >= 1
        ? raw.rounds
        : mostRounds,
    note: typeof raw.note === 'string' ? raw.note : '',
    generatedBy: typeof raw.generatedBy === 'string' ? raw.generatedBy : '',
    ...(isCommitSha(raw.commit) ? { commit: raw.commit } : {}),
    ...(limits ? { limits } : {}),
    torchInfo: adaptTorchInfo(raw.torchInfo),
    sources: Array.isArray(raw.sources)
      ? raw.sources.filter((s): s is string => typeof s === 'string')
      : [],
    records: forward,
    chunkSearch,
    generation,
    torch,
    torchBf16,
    dropped,
  };
}

/** Measured ('ok') forward records of one form, sorted by context length. */
export function formSeries<R extends BenchRecord>(
  data: readonly R[],
  form: AttentionForm,
  shape?: { heads: number; dim: number },
): R[] {
  return data
    .filter(
      (r) =>
        r.form === form &&
        r.status === 'ok' &&
        (!shape || (r.heads === shape.heads && r.dim === shape.dim)),
    )
    .sort((a, b) => a.tokens - b.tokens);
}

/**
 * The measured context length nearest to `tokens` (in log distance) where both forms have an
 * 'ok' record, with both records; null if they share none.
 */
export function nearestPair<R extends BenchRecord>(
  data: readonly R[],
  tokens: number,
  a: AttentionForm,
  b: AttentionForm,
): { tokens: number; a: R; b: R } | null {
  const bs = new Map(formSeries(data, b).map((r) => [r.tokens, r]));
  let best: { tokens: number; a: R; b: R } | null = null;
  for (const ra of formSeries(data, a)) {
    const rb = bs.get(ra.tokens);
    if (!rb) continue;
    const distance = Math.abs(Math.log2(ra.tokens / tokens));
    if (!best || distance < Math.abs(Math.log2(best.tokens / tokens))) {
      best = { tokens: ra.tokens, a: ra, b: rb };
    }
  }
  return best;
}
