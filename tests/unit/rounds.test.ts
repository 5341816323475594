import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../src/gpu/records.ts';
import { recordsToCsv, parseRecordsFile, recordsToJson } from '../../src/gpu/records.ts';
import { combineRounds, rotate, summarizeRounds } from '../../src/gpu/rounds.ts';
import { adaptReference, checkRecord } from '../../src/widgets/shared/reference-dataset.ts';
import { benchRecord, H200_ADAPTER } from '../helpers/records.ts';

/** A record with a spread around `ms`, one round on an H200, or a point skipped for its budget. */
function record(form: string, tokens: number, ms: number | null, extra: Partial<BenchRecord> = {}) {
  const of = (k: number) => (ms === null ? null : ms * k);
  return benchRecord(form, tokens, ms, {
    ...{ p25Ms: of(0.9), p75Ms: of(1.2), iqrMs: of(0.3), samples: ms === null ? 0 : 10 },
    ...{ repetitions: 4, gflops: ms === null ? null : 100 / ms, clockResolutionMs: 0.0655 },
    adapter: { ...H200_ADAPTER, architecture: '', description: 'H200' },
    date: '2026-12-01T00:00:00Z',
    reason: ms === null ? 'predicted 2 s per run; the point budget is 2 s' : null,
    ...{ rounds: ms === null ? 0 : 1, roundsMs: ms === null ? [] : [ms], spread: null },
    ...extra,
  });
}

describe('combining rounds', () => {
  it('takes the median of the round medians and keeps min, quartiles and max', () => {
    const s = summarizeRounds([5, 1, 4, 2, 3]);
    expect(s.medianMs).toBe(3);
    expect(s.spread).toEqual({ minMs: 1, p25Ms: 2, p75Ms: 4, maxMs: 5 });
    expect(s.rounds).toBe(5);
  });

  it('interpolates quartiles for an even number of rounds, as NumPy does', () => {
    const s = summarizeRounds([10, 40, 20, 30]);
    expect(s.medianMs).toBe(25);
    expect(s.spread.p25Ms).toBeCloseTo(17.5, 12);
    expect(s.spread.p75Ms).toBeCloseTo(32.5, 12);
    expect(s.spread.minMs).toBe(10);
    expect(s.spread.maxMs).toBe(40);
  });

  it('refuses no rounds and nonsensical medians', () => {
    expect(() => summarizeRounds([])).toThrow(/at least one round/);
    expect(() => summarizeRounds([1, Number.NaN])).toThrow(/positive/);
    expect(() => summarizeRounds([1, 0])).toThrow(/positive/);
  });

  it('never keeps the best round: one fast outlier does not move the median', () => {
    const rounds = [
      [record('linear-chunked', 4096, 0.1)],
      ...[0.5, 0.52, 0.55, 0.6].map((ms) => [record('linear-chunked', 4096, ms)]),
    ];
    const [combined] = combineRounds(rounds);
    expect(combined?.medianMs).toBe(0.52);
    expect(combined?.spread?.minMs).toBe(0.1);
    expect(combined?.roundsMs).toEqual([0.1, 0.5, 0.52, 0.55, 0.6]);
  });

  it('combines records point by point, in round 0 order, with rounds, samples and GFLOP/s', () => {
    const r0 = [record('softmax-flash', 128, 2), record('linear-chunked', 128, 1)];
    // Round 1 visits the forms in the other order, as the CLI rotates them.
    const r1 = [record('linear-chunked', 128, 3), record('softmax-flash', 128, 6)];
    const r2 = [record('softmax-flash', 128, 4), record('linear-chunked', 128, 2)];
    const out = combineRounds([r0, r1, r2]);
    expect(out.map((r) => r.form)).toEqual(['softmax-flash', 'linear-chunked']);
    const [flash, chunked] = out;
    expect(flash?.medianMs).toBe(4);
    expect(flash?.rounds).toBe(3);
    expect(flash?.roundsMs).toEqual([2, 6, 4]);
    expect(flash?.spread).toEqual({ minMs: 2, p25Ms: 3, p75Ms: 5, maxMs: 6 });
    expect(flash?.samples).toBe(30);
    // 100 GFLOP of work in every round (gflops = 100 / ms) over the combined median of 4 ms.
    expect(flash?.gflops).toBeCloseTo(25, 9);
    // Within-round quartiles: the median over rounds of each round's p25 (0.9 * ms).
    expect(flash?.p25Ms).toBeCloseTo(3.6, 12);
    expect(chunked?.medianMs).toBe(2);
    expect(chunked?.reason).toBeNull();
  });

  it('says when some rounds did not measure a point, and keeps a point no round measured', () => {
    const out = combineRounds([
      [record('softmax-flash', 65536, 400), record('softmax-flash', 131072, null)],
      [record('softmax-flash', 65536, null), record('softmax-flash', 131072, null)],
      [record('softmax-flash', 65536, 420), record('softmax-flash', 131072, null)],
    ]);
    expect(out[0]?.status).toBe('ok');
    expect(out[0]?.rounds).toBe(2);
    expect(out[0]?.medianMs).toBe(410);
    expect(out[0]?.reason).toMatch(/^measured in 2 of 3 rounds; not in the others: predicted 2 s/);
    expect(out[1]?.status).toBe('skipped');
    expect(out[1]?.rounds).toBe(0);
    expect(out[1]?.spread).toBeNull();
    expect(out[1]?.medianMs).toBeNull();
  });

  it('rotates the form order from round to round', () => {
    expect(rotate(['a', 'b', 'c'], 0)).toEqual(['a', 'b', 'c']);
    expect(rotate(['a', 'b', 'c'], 1)).toEqual(['b', 'c', 'a']);
    expect(rotate(['a', 'b', 'c'], 5)).toEqual(['c', 'a', 'b']);
    expect(rotate([], 3)).toEqual([]);
  });

  it('writes rounds and spread to CSV and JSON, round records included', () => {
    const out = combineRounds([
      [record('linear-chunked', 128, 1)],
      [record('linear-chunked', 128, 3)],
    ]);
    const csv = recordsToCsv(out).split('\n');
    const header = csv[0]!.split(',');
    const row = csv[1]!.split(',');
    expect(row[header.indexOf('rounds')]).toBe('2');
    expect(row[header.indexOf('spreadMinMs')]).toBe('1');
    expect(row[header.indexOf('spreadMaxMs')]).toBe('3');
    expect(row[header.indexOf('roundsMs')]).toBe('1;3');
    const file = parseRecordsFile(recordsToJson(out, [[record('linear-chunked', 128, 1)]]));
    expect(file.records[0]?.spread?.p25Ms).toBe(1.5);
    expect(file.roundRecords?.[0]?.[0]?.medianMs).toBe(1);
  });
});

describe('the reference dataset format', () => {
  it('keeps typed round fields and fills them for files written before rounds', () => {
    const combined = combineRounds([
      [record('linear-chunked', 128, 1)],
      [record('linear-chunked', 128, 2)],
      [record('linear-chunked', 128, 4)],
    ]);
    const { rounds: _r, roundsMs: _m, spread: _s, ...old } = record('softmax-flash', 128, 3);
    const data = adaptReference({
      rounds: 3,
      records: [...combined, old],
      torch: [
        { impl: 'torch', form: 'softmax-sdpa', tokens: 128, heads: 12, dim: 64, ms: 0.05 },
        {
          impl: 'torch',
          form: 'softmax-sdpa',
          dtype: 'bf16',
          tokens: 128,
          heads: 12,
          dim: 64,
          ms: 0.01,
        },
      ],
      torchBf16: [
        {
          impl: 'torch',
          form: 'softmax-sdpa',
          dtype: 'bf16',
          tokens: 128,
          heads: 12,
          dim: 64,
          ms: 0.02,
          tflops: 3,
          rounds: 2,
          roundsMs: [0.01, 0.03],
          spread: { minMs: 0.01, p25Ms: 0.015, p75Ms: 0.025, maxMs: 0.03 },
        },
      ],
    });
    expect(data?.rounds).toBe(3);
    expect(data?.records[0]?.spread).toEqual({ minMs: 1, p25Ms: 1.5, p75Ms: 3, maxMs: 4 });
    expect(data?.records[1]?.rounds).toBe(1);
    expect(data?.records[1]?.roundsMs).toEqual([3]);
    expect(data?.records[1]?.spread).toBeNull();
    expect(data?.torch).toHaveLength(1);
    expect(data?.torch[0]?.dtype).toBe('fp32');
    expect(data?.torch[0]?.rounds).toBe(1);
    expect(data?.dropped).toEqual(['torch[1]: dtype bf16 in the fp32 section']);
    expect(data?.torchBf16[0]?.spread?.maxMs).toBe(0.03);
  });

  it("keeps the measured commit's SHA and leaves out anything that is not one", () => {
    const sha = Array.from(
      { length: 40 },
      () => '0123456789abcdef'[Math.floor(Math.random() * 16)],
    ).join('');
    const records = [record('linear-chunked', 128, 2)];
    expect(adaptReference({ records, commit: sha.slice(0, 7) })?.commit).toBe(sha.slice(0, 7));
    expect(adaptReference({ records, commit: sha })?.commit).toBe(sha);
    for (const garbage of [
      sha.slice(0, 6),
      `${sha.slice(0, 7)}-dirty`,
      'HEAD',
      'ABCDEF1',
      1234567,
    ]) {
      const data = adaptReference({ records, commit: garbage });
      expect(data).not.toHaveProperty('commit');
      expect(data?.records).toHaveLength(1);
      expect(data?.dropped).toEqual([]);
    }
    expect(adaptReference({ records })).not.toHaveProperty('commit');
  });

  it('drops records whose spread is disordered or whose rounds disagree', () => {
    const base = record('linear-chunked', 128, 2);
    expect(checkRecord({ ...base, spread: { minMs: 3, p25Ms: 1, p75Ms: 4, maxMs: 5 } })).toMatch(
      /not ordered/,
    );
    expect(checkRecord({ ...base, spread: { minMs: 1, p25Ms: 1.5, p75Ms: 2.5 } })).toMatch(
      /positive minMs/,
    );
    expect(checkRecord({ ...base, rounds: 3, roundsMs: [1, 2] })).toMatch(/rounds says 3/);
    expect(
      checkRecord({
        ...base,
        rounds: 2,
        roundsMs: [1, 3],
        spread: { minMs: 1, p25Ms: 1.5, p75Ms: 2.5, maxMs: 3 },
      }),
    ).toBeNull();
  });
});
