import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTokenData } from '../../site/build/data-tokens.ts';
import {
  README_BEGIN,
  README_END,
  renderReadmeNumbers,
  renderFloorsTable,
  referenceWorkgroupStorageBytes,
  renderResultsTable,
  replaceReadmeNumbers,
} from '../../site/build/readme-numbers.ts';
import { estimateCost } from '../../src/gpu/costs.ts';
import { formatTime, formatTimeRange } from '../../src/widgets/shared/format.ts';

const root = resolve(import.meta.dirname, '../..');

describe("README's measured numbers", () => {
  it('match data/ (run node scripts/update-readme-numbers.mjs after the data changes)', () => {
    const readme = readFileSync(resolve(root, 'README.md'), 'utf8');
    const section = renderReadmeNumbers(loadTokenData(resolve(root, 'data')));
    expect(readme).toContain(section);
  });

  it("docs/PERFORMANCE.md's results table matches data/, with the spread and partial rounds", () => {
    const doc = readFileSync(resolve(root, 'docs/PERFORMANCE.md'), 'utf8');
    const data = loadTokenData(resolve(root, 'data'));
    const table = renderResultsTable(data);
    expect(doc).toContain(table);
    const chunked = data!.reference.records.find(
      (r) => r.form === 'linear-chunked' && r.tokens === 16384,
    )!;
    chunked.medianMs = 0.5;
    chunked.spread = { minMs: 0.4, p25Ms: 0.45, p75Ms: 0.55, maxMs: 0.6 };
    chunked.rounds = 3;
    const changed = renderResultsTable(data);
    expect(changed).toContain(`500 µs (400–600 µs), 3 of ${data!.reference.rounds} rounds`);
  });

  it("name the dataset's commit, and give one time when every round agrees to the digits shown", () => {
    const data = loadTokenData(resolve(root, 'data'))!;
    expect(renderReadmeNumbers(data)).toContain(
      `measured with the kernels as of commit ${data.reference.commit}; where the code has changed`,
    );
    const record = data.reference.records.find(
      (r) => r.form === 'linear-chunked' && r.tokens === 65536,
    )!;
    const ms = 1 + Math.random();
    record.medianMs = ms;
    record.spread = { minMs: ms * 0.9, p25Ms: ms * 0.95, p75Ms: ms * 1.05, maxMs: ms * 1.1 };
    expect(renderReadmeNumbers(data)).toContain(
      `(${formatTimeRange(ms * 0.9, ms * 1.1)} across rounds)`,
    );
    record.spread = { minMs: ms, p25Ms: ms, p75Ms: ms, maxMs: ms };
    const alike = renderReadmeNumbers(data);
    expect(alike).toContain(`(every round ${formatTime(ms)})`);
    expect(alike).not.toContain('across rounds');
    delete data.reference.commit;
    expect(() => renderReadmeNumbers(data)).toThrow(/names no commit/);
  });

  it('follow a change in the data, and refuse a README without markers', () => {
    const data = loadTokenData(resolve(root, 'data'))!;
    const record = data.reference.records.find(
      (r) => r.form === 'linear-chunked' && r.tokens === 65536,
    )!;
    const before = renderReadmeNumbers(data);
    record.medianMs = 1.234;
    const after = renderReadmeNumbers(data);
    expect(after).not.toBe(before);
    expect(after).toContain('takes 1.23 ms at 65,536 tokens');
    const readme = `intro\n${README_BEGIN}\nold\n${README_END}\noutro\n`;
    expect(replaceReadmeNumbers(readme, after)).toBe(`intro\n${after}\noutro\n`);
    expect(() => replaceReadmeNumbers('no markers', after)).toThrow(/no numbers section/);
  });

  it("docs/PERFORMANCE.md's floors table matches data/, its floors follow the cost model and the measured rates", () => {
    const doc = readFileSync(resolve(root, 'docs/PERFORMANCE.md'), 'utf8');
    const data = loadTokenData(resolve(root, 'data'))!;
    expect(doc).toContain(renderFloorsTable(data));
    const ref = data.reference;
    const sgemm = ref.torch.find((b) => b.form === 'sgemm')!;
    const chunked = ref.records.find((r) => r.form === 'linear-chunked' && r.tokens === 65536)!;
    // The FLOP floor is the registry's cost model at the SGEMM rate: the row shows it.
    const flops = estimateCost(
      'linear-chunked',
      { heads: chunked.heads, tokens: 65536, dim: chunked.dim },
      { chunkSize: chunked.chunkSize!, featureMap: chunked.featureMap!, normalize: true },
    ).flops;
    const row = (table: string) => table.split('\n').find((l) => l.startsWith('| 65,536 | 1.'))!;
    expect(row(renderFloorsTable(data))).toContain(
      `| ${formatTime(flops / (sgemm.tflops! * 1e9))} |`,
    );
    sgemm.tflops = sgemm.tflops! / 2;
    expect(row(renderFloorsTable(data))).toContain(
      `| ${formatTime(flops / (sgemm.tflops * 1e9))} |`,
    );
    ref.torch = ref.torch.filter((b) => b.form !== 'copy');
    expect(() => renderFloorsTable(data)).toThrow(/no fp32 SGEMM or copy/);
  });

  it("the floors table takes the workgroup memory the dataset records, the H200's 48 KiB where it predates the field", () => {
    const dir = mkdtempSync(join(tmpdir(), 'floors-limits-'));
    const raw = JSON.parse(readFileSync(resolve(root, 'data/reference-h200.json'), 'utf8'));
    copyFileSync(resolve(root, 'data/published-h100.json'), join(dir, 'published-h100.json'));
    // The records carry the limits too (the loader falls back on the first record's): a dataset
    // that predates the field has neither.
    const write = (limits: unknown) => {
      const records = raw.records.map((r: Record<string, unknown>) => ({ ...r, limits }));
      writeFileSync(join(dir, 'reference-h200.json'), JSON.stringify({ ...raw, records, limits }));
      return loadTokenData(dir)!;
    };
    // The dataset as it would be without the field (datasets before 2026-12-02T1751).
    const current = write(undefined);
    expect(current.reference.limits).toBeUndefined();
    expect(referenceWorkgroupStorageBytes(current)).toBe(48 * 1024);
    const table = renderFloorsTable(current);
    expect(table).toContain("a GPU with the H200's 48 KiB of workgroup memory runs");
    expect(table).toContain('(linear-chunked at d = 64, c = 64: no feature-map pass, so no phi(q)');
    // A recorded 48 KiB gives the same table as none.
    expect(renderFloorsTable(write({ maxComputeWorkgroupStorageSize: 48 * 1024 }))).toBe(table);

    // Less than 48 KiB at d = 64: the sliced kernel and the pass, whose bytes the floor adds.
    const chunked = raw.records.find(
      (r: { form: string; tokens: number }) => r.form === 'linear-chunked' && r.tokens === 65536,
    );
    const small = write({ maxComputeWorkgroupStorageSize: 32 * 1024, maxBufferSize: 2 ** 40 });
    expect(small.reference.limits).toEqual({
      maxComputeWorkgroupStorageSize: 32 * 1024,
      maxBufferSize: 2 ** 40,
    });
    const sliced = renderFloorsTable(small);
    expect(sliced).toContain("the H200's 32 KiB of workgroup memory runs");
    expect(sliced).toContain('c = 64: the feature-map pass and its phi(q), phi(k) buffers)');
    const shape = { heads: chunked.heads, tokens: 65536, dim: chunked.dim };
    const options = { chunkSize: chunked.chunkSize, featureMap: chunked.featureMap };
    const bytes = (workgroupStorageBytes: number) =>
      estimateCost('linear-chunked', shape, { ...options, workgroupStorageBytes }).bytesMoved;
    expect(bytes(32 * 1024)).toBeGreaterThan(bytes(48 * 1024));
    const copy = raw.torch.find((b: { form: string }) => b.form === 'copy');
    const byteFloor = (moved: number) => formatTime(moved / ((2 * 2 ** 31) / copy.ms));
    const row = (t: string) =>
      t
        .split('\n')
        .filter((l) => l.startsWith('| 65,536 |'))
        .at(-1)!;
    expect(byteFloor(bytes(32 * 1024))).not.toBe(byteFloor(bytes(48 * 1024)));
    expect(row(table)).toContain(`| ${byteFloor(bytes(48 * 1024))} |`);
    expect(row(sliced)).toContain(`| ${byteFloor(bytes(32 * 1024))} |`);

    // What is not a positive whole number is not read: the 48 KiB fallback.
    const bad = write({ maxComputeWorkgroupStorageSize: '32768' });
    expect(bad.reference.limits).toBeUndefined();
    expect(renderFloorsTable(bad)).toBe(table);
  });

  it("the floors table names SDPA bf16's backend only where the data records it", () => {
    const dir = mkdtempSync(join(tmpdir(), 'floors-'));
    const raw = JSON.parse(readFileSync(resolve(root, 'data/reference-h200.json'), 'utf8'));
    const write = (sdpaDefault: unknown) => {
      writeFileSync(
        join(dir, 'reference-h200.json'),
        JSON.stringify({ ...raw, torchInfo: { ...raw.torchInfo, sdpaDefault } }),
      );
      return loadTokenData(dir)!;
    };
    copyFileSync(resolve(root, 'data/published-h100.json'), join(dir, 'published-h100.json'));
    const named = write({ fp32: 'efficient_attention', bf16: 'cudnn_attention' });
    expect(named.reference.torchInfo?.sdpaDefault).toEqual({
      fp32: 'efficient_attention',
      bf16: 'cudnn_attention',
    });
    const header = (table: string) =>
      table.split('\n').find((l) => l.startsWith('| softmax-flash'))!;
    expect(header(renderFloorsTable(named))).toContain(
      '| SDPA fp32 | SDPA bf16 (cuDNN) | ours / SDPA fp32 |',
    );
    const flash = write({ bf16: 'flash_attention' });
    expect(header(renderFloorsTable(flash))).toContain('| SDPA bf16 (FlashAttention-2) |');
    // Unknown (the lengths disagreed, or PyTorch could not say): the plain heading.
    const unknown = write({ fp32: 'efficient_attention', bf16: null });
    expect(unknown.reference.torchInfo?.sdpaDefault).toEqual({ fp32: 'efficient_attention' });
    expect(header(renderFloorsTable(unknown))).toContain(
      '| SDPA fp32 | SDPA bf16 | ours / SDPA fp32 |',
    );
  });
});
