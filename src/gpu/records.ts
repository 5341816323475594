/**
 * The result record of the benchmark (one per measured or skipped point) and its JSON and CSV
 * writers. The same records feed the live charts, the CLI's table and the reference dataset.
 */
import type { AdapterSummary } from './device.ts';
import type { RoundSpread } from './rounds.ts';
import type { ClockKind } from './timing.ts';
import type { AttentionForm, DecodeKind, FeatureMap } from './types.ts';

/**
 * What a record times: a full causal forward pass, one chunk size of a search, one decode step,
 * a training step of attention alone (forward with saved statistics, then backward), or a training
 * step of a whole pre-norm layer ('layer': every parameter's gradient, no optimizer step; `form` is
 * the attention inside it, heads x dim its width, its MLP 4 x heads x dim, src/gpu/sweep/layer.ts).
 */
export type BenchTask = 'forward' | 'chunk-search' | 'decode' | 'train' | 'layer';

/**
 * 'ok': measured. 'skipped': not run, because of memory or a time budget (`reason` says which).
 * 'error': run, but the GPU reported an error, so no number is given.
 */
export type RecordStatus = 'ok' | 'skipped' | 'error';

/** The adapter fields a record keeps. */
export type RecordAdapter = Pick<
  AdapterSummary,
  'vendor' | 'architecture' | 'description' | 'isFallbackAdapter'
>;

/**
 * The device's limits that decide which kernels run and what fits (device.ts raises them to what
 * the adapter offers): workgroup memory picks the chunked forms' output kernel and whether they
 * run the feature-map pass (costs.ts); the buffer and binding sizes cap one buffer.
 */
export interface RecordLimits {
  /** GPUSupportedLimits.maxComputeWorkgroupStorageSize, bytes. */
  maxComputeWorkgroupStorageSize: number;
  /** GPUSupportedLimits.maxStorageBufferBindingSize, bytes. */
  maxStorageBufferBindingSize: number;
  /** GPUSupportedLimits.maxBufferSize, bytes. */
  maxBufferSize: number;
}

export interface BenchRecord {
  task: BenchTask;
  /** An attention form, or for 'decode' the decoder kind. */
  form: AttentionForm | DecodeKind;
  /** Linear forms only, else null. */
  featureMap: FeatureMap | null;
  /** Linear forms only, else null. */
  normalize: boolean | null;
  heads: number;
  /** Context length T, or for 'decode' the position of the token decoded. */
  tokens: number;
  dim: number;
  /** linear-chunked only, else null. */
  chunkSize: number | null;
  /**
   * Median ms per run; null unless status is 'ok'. With several rounds (see rounds.ts): the median
   * over rounds of each round's median.
   */
  medianMs: number | null;
  /** Quartiles of the samples within one round (with several rounds: their medians over rounds). */
  p25Ms: number | null;
  p75Ms: number | null;
  iqrMs: number | null;
  /** Samples kept (after dropping nonsensical ones), summed over rounds. */
  samples: number;
  /** Runs per sample. */
  repetitions: number;
  /**
   * Independent rounds that measured this point (1 for a single sweep, 0 when none did). Absent
   * in records written before rounds existed; read it as 1 there.
   */
  rounds?: number;
  /** Each measuring round's median ms, in round order ([] when none measured it). */
  roundsMs?: number[];
  /** Min, quartiles and max of `roundsMs`; null with fewer than two rounds. */
  spread?: RoundSpread | null;
  /** FLOPs of one run from the cost model, divided by the median time. */
  gflops: number | null;
  clock: ClockKind;
  clockResolutionMs: number;
  adapter: RecordAdapter;
  /** The device's limits; absent in records written before they were recorded. */
  limits?: RecordLimits;
  /** Browser user agent, or "node v20.20.2 / dawn". */
  runtime: string;
  /** ISO 8601, when the point finished. */
  date: string;
  status: RecordStatus;
  /** Why a point was skipped or failed ("needs 16 GiB per buffer", "predicted 40 s per run"). */
  reason: string | null;
}

/** The identifier written into every JSON file, so readers can check what they load. */
export const RECORDS_FORMAT = 'linear-attention-live/bench';
export const RECORDS_VERSION = 2;
/** Versions `parseRecordsJson` reads: 1 had no rounds (each record is then one round). */
const READABLE_VERSIONS: readonly number[] = [1, 2];

export interface RecordsFile {
  format: typeof RECORDS_FORMAT;
  version: typeof RECORDS_VERSION;
  /** The combined records: one per point (see rounds.ts). */
  records: BenchRecord[];
  /** With --rounds N: every round's own records, round by round, before combining. */
  roundRecords?: BenchRecord[][];
}

/** Serializes records as a JSON document (pretty-printed, one trailing newline). */
export function recordsToJson(
  records: readonly BenchRecord[],
  roundRecords?: readonly (readonly BenchRecord[])[],
): string {
  const file: RecordsFile = {
    format: RECORDS_FORMAT,
    version: RECORDS_VERSION,
    records: [...records],
    ...(roundRecords ? { roundRecords: roundRecords.map((round) => [...round]) } : {}),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Parses what `recordsToJson` wrote; throws a sentence when the text is something else. */
export function parseRecordsJson(text: string): BenchRecord[] {
  return parseRecordsFile(text).records;
}

/** Parses what `recordsToJson` wrote, round records included; throws a sentence otherwise. */
export function parseRecordsFile(text: string): RecordsFile {
  const file = JSON.parse(text) as Partial<Omit<RecordsFile, 'version'>> & { version?: unknown };
  if (file.format !== RECORDS_FORMAT || !Array.isArray(file.records)) {
    throw new Error(
      `This JSON is not a benchmark records file (expected format ${RECORDS_FORMAT}).`,
    );
  }
  if (typeof file.version !== 'number' || !READABLE_VERSIONS.includes(file.version)) {
    throw new Error(
      `Records file version ${String(file.version)} is not supported (expected ${READABLE_VERSIONS.join(' or ')}).`,
    );
  }
  return {
    format: RECORDS_FORMAT,
    version: RECORDS_VERSION,
    records: file.records,
    ...(file.roundRecords ? { roundRecords: file.roundRecords } : {}),
  };
}

/** CSV columns, in order; the adapter is flattened into four `adapter*` columns. */
export const CSV_COLUMNS = [
  'task',
  'form',
  'featureMap',
  'normalize',
  'heads',
  'tokens',
  'dim',
  'chunkSize',
  'medianMs',
  'p25Ms',
  'p75Ms',
  'iqrMs',
  'samples',
  'repetitions',
  'rounds',
  'spreadMinMs',
  'spreadP25Ms',
  'spreadP75Ms',
  'spreadMaxMs',
  'roundsMs',
  'gflops',
  'clock',
  'clockResolutionMs',
  'adapterVendor',
  'adapterArchitecture',
  'adapterDescription',
  'adapterIsFallback',
  'runtime',
  'date',
  'status',
  'reason',
] as const;

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or edge spaces,
 * with inner quotes doubled. null and undefined become an empty field.
 */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(record: BenchRecord): (string | number | boolean | null)[] {
  return [
    record.task,
    record.form,
    record.featureMap,
    record.normalize,
    record.heads,
    record.tokens,
    record.dim,
    record.chunkSize,
    record.medianMs,
    record.p25Ms,
    record.p75Ms,
    record.iqrMs,
    record.samples,
    record.repetitions,
    record.rounds ?? 1,
    record.spread?.minMs ?? null,
    record.spread?.p25Ms ?? null,
    record.spread?.p75Ms ?? null,
    record.spread?.maxMs ?? null,
    // One field: the round medians separated by semicolons.
    (record.roundsMs ?? []).join(';'),
    record.gflops,
    record.clock,
    record.clockResolutionMs,
    record.adapter.vendor,
    record.adapter.architecture,
    record.adapter.description,
    record.adapter.isFallbackAdapter,
    record.runtime,
    record.date,
    record.status,
    record.reason,
  ];
}

/** Serializes records as CSV with a header row; lines end in "\n", the last one too. */
export function recordsToCsv(records: readonly BenchRecord[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const record of records) lines.push(csvRow(record).map(csvField).join(','));
  return `${lines.join('\n')}\n`;
}
