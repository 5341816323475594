/** A BenchRecord for tests, shared by the unit tests that feed records to charts, races and files. */
import type { BenchRecord } from '../../src/gpu/records.ts';

/** The adapter records name by default: anonymous. */
export const TEST_ADAPTER: BenchRecord['adapter'] = {
  vendor: 'x',
  architecture: '',
  description: 'x',
  isFallbackAdapter: false,
};

/** The reference GPU's adapter, as Dawn names an H200. */
export const H200_ADAPTER: BenchRecord['adapter'] = {
  vendor: 'nvidia',
  architecture: 'hopper',
  description: 'NVIDIA H200',
  isFallbackAdapter: false,
};

/**
 * One forward record of `form` at `tokens` (12 heads, d = 64), `ms` per run with no spread, or a
 * skipped point when `ms` is null; `extra` overrides any field.
 */
export function benchRecord(
  form: string,
  tokens: number,
  ms: number | null,
  extra: Partial<BenchRecord> = {},
): BenchRecord {
  return {
    task: 'forward',
    form: form as BenchRecord['form'],
    featureMap: null,
    normalize: null,
    heads: 12,
    tokens,
    dim: 64,
    chunkSize: null,
    medianMs: ms,
    p25Ms: ms,
    p75Ms: ms,
    iqrMs: 0,
    samples: ms === null ? 0 : 5,
    repetitions: 1,
    gflops: null,
    clock: 'gpu-timestamp',
    clockResolutionMs: 0.1,
    adapter: TEST_ADAPTER,
    runtime: 'test',
    date: '2026-01-01T00:00:00Z',
    status: ms === null ? 'skipped' : 'ok',
    reason: ms === null ? 'needs 16 GiB in one buffer' : null,
    ...extra,
  };
}
