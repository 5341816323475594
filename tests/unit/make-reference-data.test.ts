import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordsToJson, type BenchRecord } from '../../src/gpu/records.ts';
import { combineRounds } from '../../src/gpu/rounds.ts';
import { adaptReference } from '../../src/widgets/shared/reference-dataset.ts';
import { loadTokenData, resolveDataTokens } from '../../site/build/data-tokens.ts';
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

  it("carries the batched timing, SDPA's recorded backend and the forced-backend rows through", () => {
    const batched = join(dir, 'torch-batched.json');
    const sdpa = (round: number, form: string, backend: string, ms: number, graphMs: number) => ({
      round,
      dtype: 'bf16',
      impl: 'torch',
      form,
      tokens: 1024,
      heads: 12,
      dim: 64,
      ms,
      tflops: 1 / ms,
      batch: 60 + round,
      singleMs: ms * 3,
      graphMs,
      backend,
      pass: 'forward',
    });
    const file = (bf16Backends: string[]) => ({
      format: 'linear-attention-live/torch-anchor',
      version: 2,
      device: 'NVIDIA H200',
      torch: '2.11.0',
      tritonF32Default: 'tf32',
      sdpaBackends: { bf16: ['flash_attention', 'cudnn_attention', 'math'] },
      sdpaDefault: { bf16: 'cudnn_attention' },
      timing: 'ms: per call, a timed batch ...',
      sdpaKernels: { bf16: { '1024': ['cudnn_generated_fort_native_sdpa_sm90'] } },
      sdpaSkipped: [{ dtype: 'bf16', backend: 'efficient_attention', tokens: 1024, reason: 'no' }],
      records: [0.03, 0.01, 0.02].flatMap((ms, round) => [
        sdpa(round, 'softmax-sdpa', bf16Backends[round]!, ms, ms / 2),
        sdpa(round, 'softmax-sdpa-flash', 'flash_attention', ms * 2, ms),
      ]),
    });
    writeFileSync(
      batched,
      JSON.stringify(file(['cudnn_attention', 'cudnn_attention', 'cudnn_attention'])),
    );
    const out = join(dir, 'reference-batched.json');
    const r = run(['--bench', bench, '--torch', batched, '--machine', 'NVIDIA H200', '--out', out]);
    expect(r.err).toBe('');
    const raw = JSON.parse(readFileSync(out, 'utf8'));
    expect(adaptReference(raw)?.dropped).toEqual([]);
    const byForm = (form: string) => raw.torchBf16.find((b: { form: string }) => b.form === form);
    // The headline time is the GPU's: each round's CUDA-graph time; the batch launched call by
    // call from Python is callMs.
    expect(byForm('softmax-sdpa')).toMatchObject({
      ms: 0.01,
      roundsMs: [0.015, 0.005, 0.01],
      roundsBatch: [60, 61, 62],
      backend: 'cudnn_attention',
    });
    expect(byForm('softmax-sdpa').graphMs).toBeCloseTo(0.01, 12);
    expect(byForm('softmax-sdpa').callMs).toBeCloseTo(0.02, 12);
    expect(byForm('softmax-sdpa').singleMs).toBeCloseTo(0.06, 12);
    expect(byForm('softmax-sdpa-flash')).toMatchObject({ ms: 0.02, backend: 'flash_attention' });
    expect(raw.torchInfo.sdpaDefault).toEqual({ bf16: 'cudnn_attention' });
    expect(raw.torchInfo.sdpaKernels.bf16['1024']).toEqual([
      'cudnn_generated_fort_native_sdpa_sm90',
    ]);
    expect(raw.torchInfo.sdpaSkipped).toHaveLength(1);
    expect(raw.note).toMatch(
      /In bf16, SDPA's default \(softmax-sdpa\) ran cuDNN's fused attention/,
    );
    expect(raw.note).toMatch(/softmax-sdpa-flash force one fused backend each/);
    expect(raw.note).toMatch(/GPU time per call, as ours are: a batch of back-to-back calls/);

    // Rounds that ran different backends: no single name, in the row or the note.
    writeFileSync(
      batched,
      JSON.stringify(file(['cudnn_attention', 'flash_attention', 'cudnn_attention'])),
    );
    expect(run(['--bench', bench, '--torch', batched, '--machine', 'x', '--out', out]).code).toBe(
      0,
    );
    const mixed = JSON.parse(readFileSync(out, 'utf8'));
    expect(
      mixed.torchBf16.find((b: { form: string }) => b.form === 'softmax-sdpa').backend,
    ).toBeNull();
    expect(mixed.torchInfo.sdpaDefault).toEqual({ bf16: null });
    expect(mixed.note).toMatch(/which one ran was not recorded/);

    // The note names a backend in the article's words ({{sdpa-default bf16}}): one table for both.
    const dataDir = mkdtempSync(join(tmpdir(), 'make-reference-tokens-'));
    const named = join(dataDir, 'reference-h200.json');
    writeFileSync(batched, JSON.stringify(file(Array(3).fill('efficient_attention'))));
    expect(run(['--bench', bench, '--torch', batched, '--machine', 'x', '--out', named]).code).toBe(
      0,
    );
    const words = resolveDataTokens('{{sdpa-default bf16}}', loadTokenData(dataDir)).text;
    expect(words).toBe('memory-efficient attention');
    expect(JSON.parse(readFileSync(named, 'utf8')).note).toContain(
      `SDPA's default (softmax-sdpa) ran ${words} (efficient_attention:`,
    );
  });

  it('records the commit whose kernels were measured when given one, and refuses what is not a SHA', () => {
    const sha = Math.floor(Math.random() * 2 ** 28)
      .toString(16)
      .padStart(7, '0');
    const args = ['--bench', bench, '--torch', torch, '--machine', 'NVIDIA H200'];
    const named = join(dir, 'reference-commit.json');
    const r = run([...args, '--commit', sha, '--out', named]);
    expect(r.err).toBe('');
    const raw = JSON.parse(readFileSync(named, 'utf8'));
    expect(raw.commit).toBe(sha);
    expect(adaptReference(raw)?.commit).toBe(sha);
    // Without --commit the file is the same, less that one field.
    const unnamed = join(dir, 'reference-no-commit.json');
    expect(run([...args, '--out', unnamed]).code).toBe(0);
    const { commit: _commit, ...rest } = raw;
    expect(JSON.parse(readFileSync(unnamed, 'utf8'))).toEqual(rest);
    expect(Object.keys(raw).indexOf('commit')).toBe(Object.keys(raw).indexOf('generatedBy') + 1);
    const bad = run([...args, '--commit', 'HEAD~1', '--out', join(dir, 'c')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--commit takes the SHA .* not "HEAD~1"/);
  });

  it("passes the device's limits into the dataset where the records carry them, and none where they do not", () => {
    const kib = 16 * (1 + Math.floor(Math.random() * 6));
    const limits = {
      maxComputeWorkgroupStorageSize: kib * 1024,
      maxStorageBufferBindingSize: 2 ** 31 - 4,
      maxBufferSize: 2 ** 40,
    };
    const limited = join(dir, 'bench-limits.json');
    const withLimits = [2, 1, 3].map((ms) => [{ ...record('softmax-flash', 1024, ms), limits }]);
    writeFileSync(limited, recordsToJson(combineRounds(withLimits), withLimits));
    const args = ['--torch', torch, '--machine', 'NVIDIA H200'];
    const out = join(dir, 'reference-limits.json');
    const r = run(['--bench', limited, ...args, '--out', out]);
    expect(r.err).toBe('');
    const raw = JSON.parse(readFileSync(out, 'utf8'));
    expect(raw.limits).toEqual(limits);
    expect(Object.keys(raw).indexOf('limits')).toBe(Object.keys(raw).indexOf('adapter') + 1);
    expect(adaptReference(raw)?.limits).toEqual(limits);
    // Records written before the field existed: no limits in the dataset, none read from it.
    const older = join(dir, 'reference-no-limits.json');
    expect(run(['--bench', bench, ...args, '--out', older]).code).toBe(0);
    const before = JSON.parse(readFileSync(older, 'utf8'));
    expect('limits' in before).toBe(false);
    expect(adaptReference(before)).not.toHaveProperty('limits');
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
