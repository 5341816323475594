import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  adaptTraining,
  nativeSeries,
  trainingSeries,
} from '../../src/widgets/shared/training-dataset.ts';

const root = resolve(import.meta.dirname, '../..');
// Made-up numbers shaped like one call's files (tests/fixtures/training/).
const benchPath = join(root, 'tests/fixtures/training/bench-train.json');
const torchPath = join(root, 'tests/fixtures/training/torch-train.json');
const bench = JSON.parse(readFileSync(benchPath, 'utf8'));
const torch = JSON.parse(readFileSync(torchPath, 'utf8'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, ['scripts/make-training-data.mjs', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('make-training-data', () => {
  const dir = mkdtempSync(join(tmpdir(), 'make-training-'));
  const write = (name: string, value: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(value));
    return path;
  };

  it("writes one call as a dataset: our records by scope, PyTorch's and fla's rows combined over rounds", () => {
    const out = join(dir, 'training.json');
    const r = run([
      '--bench',
      benchPath,
      '--torch',
      torchPath,
      '--machine',
      'NVIDIA H200',
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const data = adaptTraining(JSON.parse(readFileSync(out, 'utf8')));
    expect(data).not.toBeNull();
    expect(data!.dropped).toEqual([]);
    expect(data!.machine).toBe('NVIDIA H200');
    expect(data!.rounds).toBe(3);
    expect(data!.layer).toMatchObject({ dModel: 768, mlp: 3072 });
    // Ours: task 'train' is attention alone, 'layer' the block; the skipped point stays skipped.
    expect(trainingSeries(data!, 'attention', 'linear-chunked').map((p) => p.medianMs)).toEqual([
      1.1, 1.5, 5.96, 25.5,
    ]);
    expect(trainingSeries(data!, 'layer', 'linear-chunked').map((p) => p.tokens)).toEqual([
      1024, 4096, 16384, 65536,
    ]);
    const skipped = data!.records.find(
      (p) => p.scope === 'layer' && p.form === 'softmax-flash' && p.tokens === 65536,
    );
    expect(skipped?.status).toBe('skipped');
    // Native: three rounds (x1.03, x1, x0.99) -> the median, the spread from min to max.
    const sdpa = nativeSeries(data!, 'layer', 'torch', 'softmax-sdpa', 'fp32')[0]!;
    expect(sdpa.tokens).toBe(1024);
    expect(sdpa.ms).toBeCloseTo(2.0, 12);
    expect(sdpa.roundsMs).toEqual([2.06, 2, 1.98]);
    expect(sdpa.spread?.minMs).toBeCloseTo(1.98, 12);
    expect(sdpa.spread?.maxMs).toBeCloseTo(2.06, 12);
    const fla = nativeSeries(data!, 'attention', 'fla', 'fla-gla-chunk', 'fp32');
    expect(fla.map((p) => p.precision)).toEqual(['tf32', 'tf32', 'tf32', 'tf32']);
    expect(nativeSeries(data!, 'layer', 'fla', 'fla-chunk', 'fp32')).toEqual([]);
    // The note says what fla's fp32 is and what the call did not measure.
    const raw = JSON.parse(readFileSync(out, 'utf8'));
    expect(raw.note).toMatch(/default dot precision, tf32/);
    expect(raw.note).toMatch(/Not measured: fla fla-chunk-norm bf16/);
    // ... and how the native steps were timed, and that SDPA's bf16 kernel was not recorded.
    expect(raw.note).toMatch(/each step timed alone from Python between two CUDA events/);
    expect(raw.note).toMatch(/SDPA's default fused kernel, not recorded for these steps/);
  }, 20_000);

  it('says in its note when the steps were timed in batches and which bf16 SDPA kernel ran', () => {
    const out = join(dir, 'training-batched.json');
    const records = (torch.records as Record<string, unknown>[]).map((r) => ({
      ...r,
      batch: 4,
      ...(r.form === 'softmax-sdpa' && r.dtype === 'bf16' ? { backend: 'cudnn_attention' } : {}),
    }));
    const r = run([
      '--bench',
      benchPath,
      '--torch',
      write('torch-batched.json', { ...torch, records }),
      '--machine',
      'NVIDIA H200',
      '--out',
      out,
    ]);
    expect(r.err).toBe('');
    const raw = JSON.parse(readFileSync(out, 'utf8'));
    expect(raw.note).toMatch(/a batch of back-to-back steps launched from Python/);
    expect(raw.note).toMatch(/SDPA's fused kernel cudnn_attention/);
  }, 20_000);

  it('refuses several runs, a point twice, a row twice in a round, and two calls, with a sentence', () => {
    const merged = run([
      '--bench',
      `${benchPath},${benchPath}`,
      '--torch',
      torchPath,
      '--machine',
      'x',
    ]);
    expect(merged.code).toBe(2);
    expect(merged.err).toMatch(/one call only; several runs are never merged/);

    const twice = write('twice.json', { ...bench, records: [...bench.records, bench.records[0]] });
    const dup = run([
      '--bench',
      twice,
      '--torch',
      torchPath,
      '--machine',
      'x',
      '--out',
      join(dir, 'a'),
    ]);
    expect(dup.code).toBe(2);
    expect(dup.err).toMatch(/holds train softmax-flash at T = 1024 more than once/);

    const row = torch.records[0];
    const rowTwice = write('torch-twice.json', { ...torch, records: [...torch.records, row] });
    const dupRow = run([
      '--bench',
      benchPath,
      '--torch',
      rowTwice,
      '--machine',
      'x',
      '--out',
      join(dir, 'b'),
    ]);
    expect(dupRow.code).toBe(2);
    expect(dupRow.err).toMatch(/holds attention fp32 softmax-sdpa at T = 1024 twice in round 0/);

    const later = write('torch-later.json', {
      ...torch,
      started: '2026-12-02T09:00:00Z',
      finished: '2026-12-02T09:03:00Z',
    });
    const mixed = run([
      '--bench',
      benchPath,
      '--torch',
      later,
      '--machine',
      'x',
      '--out',
      join(dir, 'c'),
    ]);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/minutes apart: two calls/);

    const forward = write('torch-forward.json', { ...torch, passes: ['forward'] });
    const fwd = run([
      '--bench',
      benchPath,
      '--torch',
      forward,
      '--machine',
      'x',
      '--out',
      join(dir, 'd'),
    ]);
    expect(fwd.code).toBe(2);
    expect(fwd.err).toMatch(/forward passes, not training steps/);

    const noTrain = write('bench-forward.json', {
      ...bench,
      records: bench.records.map((r: { task: string }) => ({ ...r, task: 'forward' })),
    });
    const none = run([
      '--bench',
      noTrain,
      '--torch',
      torchPath,
      '--machine',
      'x',
      '--out',
      join(dir, 'e'),
    ]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/no training-step records/);
  }, 60_000);
});

describe('the training dataset validator', () => {
  it('drops entries it cannot draw, each with a sentence, and keeps the rest', () => {
    const good = JSON.parse(
      readFileSync(join(root, 'tests/fixtures/training/training-h200.json'), 'utf8'),
    );
    const data = adaptTraining({
      ...good,
      records: [...good.records, { ...good.records[0], task: 'forward' }],
      native: [
        ...good.native,
        { ...good.native[0], scope: undefined },
        { ...good.native[0], ms: -1 },
        { ...good.native[0], dtype: 'fp16' },
      ],
    });
    expect(data!.records).toHaveLength(good.records.length);
    expect(data!.native).toHaveLength(good.native.length);
    expect(data!.dropped).toEqual([
      `records[${good.records.length}]: task forward is not a training step ('train' or 'layer')`,
      `native[${good.native.length}]: scope undefined is neither attention nor layer`,
      `native[${good.native.length + 1}]: needs a positive ms`,
      `native[${good.native.length + 2}]: needs dtype fp32 or bf16`,
    ]);
  });

  it('reads only its own format', () => {
    expect(adaptTraining({ format: 'linear-attention-live/bench', records: [] })).toBeNull();
    expect(adaptTraining(null)).toBeNull();
  });
});
