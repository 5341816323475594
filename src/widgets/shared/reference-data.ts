/**
 * The reference dataset (data/reference-h200.json: the sweep's records measured on an NVIDIA H200,
 * committed by the lead) and the published H100 numbers of the source post, validated and adapted
 * for the charts. The widgets show these first ("show known results first") and put the reader's
 * own measurements on top.
 *
 * The reference file is found with `import.meta.glob`, so a build without it still works: the
 * widgets then say that the reference data is missing. A file with `"placeholder": true` is a
 * development stand-in measured on CPU emulation; the widgets label it "placeholder data".
 */
import type { BenchRecord } from '../../gpu/records.ts';
import { ATTENTION_FORMS, type AttentionForm } from '../../gpu/types.ts';
import published from '../../../data/published-h100.json';

/** A PyTorch native baseline from the reference machine. */
export interface TorchBaseline {
  impl: string;
  form: string;
  tokens: number;
  heads: number;
  dim: number;
  ms: number;
}

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
  /** Context-length sweep ('forward' records). */
  records: BenchRecord[];
  /** linear-chunked at one T for each chunk size. */
  chunkSearch: BenchRecord[];
  /** Decode steps against position. */
  generation: BenchRecord[];
  torch: TorchBaseline[];
  /** Entries dropped by validation, with why (for the console and tests). */
  dropped: string[];
}

const files = import.meta.glob<unknown>('../../../data/reference-h200.json', {
  eager: true,
  import: 'default',
});

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const FORMS: readonly string[] = ATTENTION_FORMS;
const DECODE_KINDS: readonly string[] = ['kv-cache', 'state'];

// Declared after FORMS and DECODE_KINDS, which adaptReference reads: above them it would run in
// their temporal dead zone (in the bundle, a TypeError that stops every <la-*> element loading).
/** The reference dataset, or null when the build has none. */
export const referenceData: ReferenceDataset | null = adaptReference(Object.values(files)[0]);

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
  return null;
}

function records(value: unknown, name: string, dropped: string[]): BenchRecord[] {
  if (!Array.isArray(value)) {
    if (value !== undefined) dropped.push(`${name}: not an array`);
    return [];
  }
  const out: BenchRecord[] = [];
  value.forEach((entry, i) => {
    const problem = checkRecord(entry);
    if (problem) dropped.push(`${name}[${i}]: ${problem}`);
    else out.push(entry as BenchRecord);
  });
  return out;
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

/** Validates the parsed JSON and adapts it; null when there is none or it is unusable. */
export function adaptReference(raw: unknown): ReferenceDataset | null {
  if (!isObject(raw)) return null;
  const dropped: string[] = [];
  const forward = records(raw.records, 'records', dropped).filter((r) => r.task === 'forward');
  const chunkSearch = records(raw.chunkSearch, 'chunkSearch', dropped);
  const generation = records(raw.generation, 'generation', dropped);
  const torch = Array.isArray(raw.torch)
    ? raw.torch.filter(
        (t): t is TorchBaseline =>
          isObject(t) && typeof t.tokens === 'number' && typeof t.ms === 'number',
      )
    : [];
  const placeholder = raw.placeholder === true;
  const machine = describeMachine(raw.adapter ?? forward[0]?.adapter);
  const first = forward[0] ?? chunkSearch[0] ?? generation[0];
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
    records: forward,
    chunkSearch,
    generation,
    torch,
    dropped,
  };
}

/** Measured ('ok') forward records of one form, sorted by context length. */
export function formSeries(
  data: readonly BenchRecord[],
  form: AttentionForm,
  shape?: { heads: number; dim: number },
): BenchRecord[] {
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
export function nearestPair(
  data: readonly BenchRecord[],
  tokens: number,
  a: AttentionForm,
  b: AttentionForm,
): { tokens: number; a: BenchRecord; b: BenchRecord } | null {
  const bs = new Map(formSeries(data, b).map((r) => [r.tokens, r]));
  let best: { tokens: number; a: BenchRecord; b: BenchRecord } | null = null;
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

export interface PublishedSeries {
  label: string;
  meaning: string;
  points: { tokens: number; ms: number }[];
}

export interface PublishedData {
  citation: string;
  url: string;
  measures: string;
  hardware: string;
  series: PublishedSeries[];
}

/** The source post's H100 training-step times (chunked_vs_baselines, 124M), with the citation. */
export const publishedH100: PublishedData = {
  citation: published.citation.text,
  url: published.citation.url,
  measures: published.measures,
  hardware: published.hardware,
  series: published.series.map((s) => ({
    label: s.label,
    meaning: s.meaning,
    points: s.x.map((x, i) => ({ tokens: x, ms: s.y[i] ?? Number.NaN })),
  })),
};
