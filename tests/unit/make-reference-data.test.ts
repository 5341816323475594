import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsToJson, type BenchRecord } from '../../src/gpu/records.ts';
import { combineRounds } from '../../src/gpu/rounds.ts';
import { adaptReference } from '../../src/widgets/shared/reference-dataset.ts';
import { benchRecord, H200_ADAPTER } from '../helpers/records.ts';

const root = resolve(import.meta.dirname, '../..');

/** A record as the reference run writes it: one round, on the H200 through Node. */
function record(form: string, tokens: number, ms: number): BenchRecord {
  const adapter = {
    ...H200_ADAPTER,
    architecture: '',
    description: 'NVIDIA: 580.159.04 580.159.4.0',
  };
  return benchRecord(form, tokens, ms, {
    gflops: 10 / ms,
    clockResolutionMs: 0.0655,
    adapter,
    runtime: 'node',
    date: '2026-12-01T00:00:00Z',
    rounds: 1,
    roundsMs: [ms],
    spread: null,
  });
}

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/make-reference-data.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('make-reference-data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'make-ref-'));
  const bench = join(dir, 'bench.json');
  const rounds = [2, 1, 3].map((ms) => [record('softmax-flash', 1024, ms)]);
  writeFileSync(bench, recordsToJson(combineRounds(rounds), rounds));
  const torch = join(dir, 'torch.json');
  writeFileSync(
    torch,
    JSON.stringify({
      format: 'linear-attention-live/torch-anchor',
      device: 'NVIDIA H200',
      torch: '2.11.0',
      tritonF32Default: 'tf32',
      sdpaBackends: { fp32: ['efficient_attention', 'math'] },
      records: [0.3, 0.1, 0.2].flatMap((ms, round) => [
        {
          round,
          dtype: 'fp32',
          impl: 'torch',
          form: 'softmax-sdpa',
          tokens: 1024,
          heads: 12,
          dim: 64,
          ms,
          tflops: 1 / ms,
        },
        {
          round,
          dtype: 'bf16',
          impl: 'torch',
          form: 'softmax-sdpa',
          tokens: 1024,
          heads: 12,
          dim: 64,
          ms: ms / 10,
          tflops: null,
        },
      ]),
    }),
  );

  it('writes one call as a dataset: rounds combined into median and spread, fp32 and bf16 apart', () => {
    const out = join(dir, 'reference.json');
    const r = run(['--bench', bench, '--torch', torch, '--machine', 'NVIDIA H200', '--out', out]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const data = adaptReference(JSON.parse(readFileSync(out, 'utf8')));
    expect(data?.dropped).toEqual([]);
    expect(data?.rounds).toBe(3);
    expect(data?.records[0]?.medianMs).toBe(2);
    expect(data?.records[0]?.spread).toEqual({ minMs: 1, p25Ms: 1.5, p75Ms: 2.5, maxMs: 3 });
    const sdpa = data?.torch[0];
    expect(sdpa?.ms).toBe(0.2);
    expect(sdpa?.roundsMs).toEqual([0.3, 0.1, 0.2]);
    expect(sdpa?.tflops).toBeCloseTo(5, 9);
    expect(data?.torchBf16[0]?.ms).toBeCloseTo(0.02, 12);
    expect(data?.torchInfo?.sdpaBackends.fp32).toEqual(['efficient_attention', 'math']);
  });

  it('refuses several runs, and a file that holds one point twice, with a sentence', () => {
    const merged = run(['--bench', `${bench},${bench}`, '--machine', 'x', '--out', join(dir, 'a')]);
    expect(merged.code).toBe(2);
    expect(merged.err).toMatch(/one call only; several runs are never merged or picked from/);
    const twice = join(dir, 'twice.json');
    const one = record('softmax-flash', 1024, 2);
    writeFileSync(twice, recordsToJson([one, { ...one, medianMs: 1 }]));
    const dup = run(['--bench', twice, '--machine', 'x', '--out', join(dir, 'b')]);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/holds forward softmax-flash at T = 1024 more than once/);
  });
});
