import { describe, expect, it } from 'vitest';
import { parseBenchArgs, UsageError } from '../../src/bench/args.ts';
import { formatProgress, formatTable } from '../../src/bench/table.ts';
import type { BenchRecord } from '../../src/gpu/records.ts';
import { ATTENTION_FORMS } from '../../src/gpu/types.ts';

describe('benchmark arguments', () => {
  it('defaults to every form, 2^7..2^17 tokens, 12 heads of 64, chunk 64, 2 s per point', () => {
    const a = parseBenchArgs([]);
    expect(a.forms).toEqual([...ATTENTION_FORMS]);
    expect(a.tokens).toEqual(Array.from({ length: 11 }, (_, i) => 2 ** (7 + i)));
    expect([a.heads, a.dim, a.chunk, a.budgetMs, a.rounds]).toEqual([12, 64, 64, 2000, 1]);
    expect([a.json, a.csv, a.chunkSearch, a.generation, a.verify]).toEqual([
      null,
      null,
      null,
      false,
      false,
    ]);
  });

  it('reads --chunk auto as a request for the cached or searched size of the device, off by default', () => {
    expect(parseBenchArgs([]).chunkAuto).toBe(false);
    expect(parseBenchArgs(['--chunk', '128']).chunkAuto).toBe(false);
    const a = parseBenchArgs(['--chunk', 'auto']);
    expect([a.chunkAuto, a.chunk]).toEqual([true, 64]);
    expect(() => parseBenchArgs(['--chunk', 'fast'])).toThrow(UsageError);
  });

  it('reads --train, alone or with --no-sweep, and leaves it off by default', () => {
    expect(parseBenchArgs([]).train).toBe(false);
    expect(parseBenchArgs(['--train']).train).toBe(true);
    expect(parseBenchArgs(['--train', '--no-sweep']).sweep).toBe(false);
  });

  it('reads lists, numbers and files, sorting and de-duplicating the lengths', () => {
    const a = parseBenchArgs(
      '--forms softmax-flash,linear-chunked --tokens 4096,1024,4096 --heads 4 --dim 32 --chunk 128 --budget-ms 500 --json a.json --csv b.csv --chunk-search 8192 --generation --verify --rounds 5'.split(
        ' ',
      ),
    );
    expect(a.forms).toEqual(['softmax-flash', 'linear-chunked']);
    expect(a.tokens).toEqual([1024, 4096]);
    expect([a.heads, a.dim, a.chunk, a.budgetMs]).toEqual([4, 32, 128, 500]);
    expect([a.json, a.csv, a.chunkSearch, a.generation, a.verify]).toEqual([
      'a.json',
      'b.csv',
      8192,
      true,
      true,
    ]);
    expect(a.rounds).toBe(5);
  });

  it.each([
    [['--forms', 'softmax'], /--forms must be one of softmax-naive, .*not "softmax"\.$/],
    [['--tokens', '1024,abc'], /--tokens takes a whole number of at least 1, not "abc"\.$/],
    [['--tokens', '0'], /at least 1, not "0"/],
    [['--dim', '48'], /--dim must be one of 16, 32, 64, 128, not "48"\.$/],
    [['--chunk', '100'], /--chunk must be one of 16, 32, 64, 128, 256/],
    [['--heads=-3'], /--heads takes a whole number/],
    [['--budget-ms'], /--budget-ms.*argument.*See --help\.$/],
    [['--what'], /Unknown option '--what'\. See --help\.$/],
    [['stray'], /positional.*See --help\.$/i],
    [['--no-sweep'], /leaves nothing to do/],
    [['--rounds', '0'], /--rounds takes a whole number of at least 1, not "0"\.$/],
  ])('refuses %j with one sentence', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(UsageError);
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});

describe('the CLI table', () => {
  const base = {
    task: 'forward',
    featureMap: null,
    normalize: null,
    heads: 12,
    dim: 64,
    p25Ms: 1,
    p75Ms: 2,
    samples: 10,
    repetitions: 4,
    clock: 'gpu-timestamp',
    clockResolutionMs: 0.1,
    adapter: { vendor: 'v', architecture: 'a', description: 'd', isFallbackAdapter: false },
    runtime: 'node',
    date: '2026-11-29T00:00:00.000Z',
  } as const;
  const ok: BenchRecord = {
    ...base,
    form: 'linear-chunked',
    tokens: 4096,
    chunkSize: 64,
    medianMs: 1.234,
    iqrMs: 0.5,
    gflops: 2345.6,
    status: 'ok',
    reason: null,
  };
  const skipped: BenchRecord = {
    ...base,
    form: 'softmax-naive',
    tokens: 131072,
    chunkSize: null,
    medianMs: null,
    iqrMs: null,
    gflops: null,
    samples: 0,
    status: 'skipped',
    reason: 'needs 64 GiB in one buffer; this device allows 2 GiB',
  };

  it('aligns one row per record under a header and says why a point was skipped', () => {
    const lines = formatTable([ok, skipped]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^task\s+form\s+T\s+c\s+median\s+rounds\s+min-max\s+IQR\s+GFLOP\/s\s+samples\s+status$/,
    );
    expect(lines[1]).toMatch(
      /linear-chunked\s+4096\s+64\s+1\.23 ms\s+1\s+-\s+500 us\s+2,346\s+10x4\s+ok$/,
    );
    expect(lines[2]).toMatch(
      /softmax-naive\s+131072\s+-\s+0\s+-\s+-\s+-\s+-\s+skipped: needs 64 GiB/,
    );
    // Right-aligned numbers end in the same column.
    expect(lines[1]!.indexOf('4096') + 4).toBe(lines[2]!.indexOf('131072') + 6);
  });

  it('shows the rounds and the min-max of the round medians', () => {
    const combined: BenchRecord = {
      ...ok,
      rounds: 5,
      roundsMs: [1.1, 1.2, 1.234, 1.3, 1.5],
      spread: { minMs: 1.1, p25Ms: 1.2, p75Ms: 1.3, maxMs: 1.5 },
    };
    const [, row] = formatTable([combined]).split('\n');
    expect(row).toMatch(/1\.23 ms\s+5\s+1\.1 ms - 1\.5 ms\s+500 us/);
  });

  it('draws a progress bar proportional to the points done', () => {
    expect(formatProgress(5, 10, ok)).toBe(
      '[##########..........] 5/10 linear-chunked T=4096 c=64: 1.23 ms',
    );
    expect(formatProgress(10, 10, skipped)).toMatch(
      /^\[#{20}\] 10\/10 softmax-naive T=131072: skipped \(needs 64 GiB/,
    );
  });
});
