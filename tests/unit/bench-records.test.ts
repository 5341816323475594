import { describe, expect, it } from 'vitest';
import {
  CSV_COLUMNS,
  csvField,
  parseRecordsJson,
  recordsToCsv,
  recordsToJson,
  type BenchRecord,
} from '../../src/gpu/records.ts';
import { budgetReason, capacityReason, pickFastest, randomInputs } from '../../src/gpu/sweep.ts';
import { formatBytes, formatMs } from '../../src/gpu/format.ts';

function record(overrides: Partial<BenchRecord> = {}): BenchRecord {
  return {
    task: 'forward',
    form: 'linear-chunked',
    featureMap: 'softplus',
    normalize: true,
    heads: 12,
    tokens: 4096,
    dim: 64,
    chunkSize: 64,
    medianMs: 1.25 + Math.random(),
    p25Ms: 1.2,
    p75Ms: 1.4,
    iqrMs: 0.2,
    samples: 10,
    repetitions: 8,
    gflops: 812.5,
    clock: 'gpu-timestamp',
    clockResolutionMs: 0.1,
    adapter: {
      vendor: 'nvidia',
      architecture: 'hopper',
      description: 'NVIDIA H200, "SXM", 141 GB',
      isFallbackAdapter: false,
    },
    runtime: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0',
    date: new Date().toISOString(),
    status: 'ok',
    reason: null,
    ...overrides,
  };
}

/** A strict RFC 4180 parser, independent of the writer, for the round trip. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) throw new Error('CSV does not end with a newline');
  return rows;
}

describe('record writers', () => {
  it('round-trips records through JSON unchanged', () => {
    const records = [
      record(),
      record({
        form: 'softmax-naive',
        featureMap: null,
        normalize: null,
        chunkSize: null,
        tokens: 65536,
        medianMs: null,
        p25Ms: null,
        p75Ms: null,
        iqrMs: null,
        gflops: null,
        samples: 0,
        status: 'skipped',
        reason: 'needs 16 GiB in one buffer; this device allows 2 GiB',
      }),
    ];
    const text = recordsToJson(records);
    expect(text.endsWith('\n')).toBe(true);
    expect(parseRecordsJson(text)).toEqual(records);
  });

  it('refuses JSON that is not a records file, with a sentence', () => {
    expect(() => parseRecordsJson('{"records": []}')).toThrow(/not a benchmark records file/);
    expect(() =>
      parseRecordsJson('{"format": "linear-attention-live/bench", "version": 99, "records": []}'),
    ).toThrow(/version 99/);
  });

  it('quotes CSV fields with commas, quotes, line breaks and edge spaces only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(1.5)).toBe('1.5');
    expect(csvField(false)).toBe('false');
  });

  it('writes a header and one row per record that an RFC 4180 parser reads back', () => {
    const tricky = record({
      status: 'error',
      reason: 'GPU said: "out of memory",\nthen stopped',
      medianMs: null,
    });
    const records = [record(), tricky];
    const rows = parseCsv(recordsToCsv(records));
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
    const col = (name: (typeof CSV_COLUMNS)[number], r: number) =>
      rows[r]![CSV_COLUMNS.indexOf(name)];
    expect(col('medianMs', 1)).toBe(String(records[0]!.medianMs));
    expect(col('adapterDescription', 1)).toBe('NVIDIA H200, "SXM", 141 GB');
    expect(col('adapterIsFallback', 1)).toBe('false');
    expect(col('runtime', 1)).toBe(records[0]!.runtime);
    expect(col('reason', 2)).toBe('GPU said: "out of memory",\nthen stopped');
    expect(col('medianMs', 2)).toBe('');
    expect(col('status', 2)).toBe('error');
  });
});

describe('budgets and skip reasons', () => {
  const limits = { maxStorageBufferBindingSize: 2 * 2 ** 30, maxBufferSize: 4 * 2 ** 30 };

  it('skips a score matrix that does not fit one buffer, naming both sizes', () => {
    const reason = capacityReason(
      { largestPerHeadBytes: 16 * 2 ** 30, workingBytes: 200 * 2 ** 30 },
      limits,
    );
    expect(reason).toBe('needs 16 GiB in one buffer; this device allows 2 GiB');
  });

  it('skips when the working memory exceeds a given cap, and not otherwise', () => {
    const cost = { largestPerHeadBytes: 2 ** 20, workingBytes: 3 * 2 ** 30 };
    expect(capacityReason(cost, limits)).toBeNull();
    expect(capacityReason(cost, limits, 2 * 2 ** 30)).toBe(
      'needs 3 GiB of GPU memory; the limit is 2 GiB',
    );
  });

  it('skips a point whose predicted runs overrun the point budget', () => {
    expect(budgetReason(40_000, 2000, 100_000)).toBe(
      'predicted 40 s per run; the point budget is 2 s',
    );
  });

  it('skips a point that fits its budget but not what is left of the sweep', () => {
    expect(budgetReason(100, 2000, 300)).toBe(
      'predicted 100 ms per run; 300 ms of the sweep budget left',
    );
  });

  it('runs a point with no prediction yet, unless the sweep budget is spent', () => {
    expect(budgetReason(null, 2000, 1)).toBeNull();
    expect(budgetReason(null, 2000, 0)).toBe('sweep time budget spent');
    expect(budgetReason(1, 2000, 100_000)).toBeNull();
  });

  it('formats sizes and durations for the reasons', () => {
    expect(formatBytes(16 * 2 ** 30)).toBe('16 GiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatMs(40_000)).toBe('40 s');
    expect(formatMs(12.5)).toBe('12.5 ms');
    expect(formatMs(0.05)).toBe('50 us');
  });

  it('picks the fastest measured record and ignores skipped ones', () => {
    const a = record({ chunkSize: 32, medianMs: 3 });
    const b = record({ chunkSize: 64, medianMs: 2 });
    const c = record({ chunkSize: 128, medianMs: null, status: 'skipped', reason: 'x' });
    expect(pickFastest([a, b, c])).toBe(b);
    expect(pickFastest([c])).toBeNull();
  });
});

describe('random inputs', () => {
  it('are in [-1, 1] (float32 rounding can reach 1), never zero-filled, and fresh beyond the first block', () => {
    const n = (1 << 20) * 2 + 12_345;
    const x = randomInputs(n);
    let zeros = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (!(v >= -1 && v <= 1)) throw new Error(`value ${v} at ${i}`);
      if (v === 0) zeros++;
    }
    expect(zeros).toBeLessThan(4);
    // The tail is filled (not left at zero) and is not a plain copy of the start.
    expect(x[n - 1]).not.toBe(0);
    const tail = x.subarray(1 << 20, (1 << 20) + 64);
    expect([...tail]).not.toEqual([...x.subarray(0, 64)]);
  });
});
