import { describe, expect, it } from 'vitest';
import type { BenchRecord } from '../../src/gpu/records.ts';
import {
  findCrossover,
  logTicks,
  powerOfTwoTicks,
  slopeGuide,
  spreadBar,
} from '../../src/widgets/shared/chart.ts';
import {
  formatDuration,
  formatRatio,
  formatTokens,
  formatTokensShort,
} from '../../src/widgets/shared/format.ts';
import {
  flopRatio,
  flopSentence,
  maxTokensFor,
  speedupSentence,
  stepFromTokens,
  tokensFromStep,
} from '../../src/widgets/race/race-math.ts';
import { adaptReference, nearestPair } from '../../src/widgets/shared/reference-data.ts';
import { GpuScheduler, JobClock, LatestJob } from '../../src/widgets/shared/scheduler.ts';
import {
  sweepLengths,
  tailSlope,
  torchBaselineSeries,
} from '../../src/widgets/timing-chart/timing-chart-state.svelte.ts';
import { FORM_COLORS } from '../../src/widgets/shared/palette.ts';
import { referenceData, type TorchBaseline } from '../../src/widgets/shared/reference-data.ts';
import { modelFlops, scaleModel } from '../../src/widgets/chunk-tuner/chunk-tuner-state.svelte.ts';
import { growthPhrase } from '../../src/widgets/generation/generation-state.svelte.ts';
import { benchRecord, H200_ADAPTER } from '../helpers/records.ts';

/** A record measured on the reference GPU (an H200). */
const record = (
  form: string,
  tokens: number,
  ms: number | null,
  extra: Partial<BenchRecord> = {},
) => benchRecord(form, tokens, ms, { adapter: H200_ADAPTER, ...extra });

describe('the race slider', () => {
  it('maps half-octave steps to context lengths and back, exactly at the powers of two', () => {
    expect(tokensFromStep(24)).toBe(4096);
    expect(tokensFromStep(14)).toBe(128);
    expect(tokensFromStep(34)).toBe(131072);
    expect(stepFromTokens(4096)).toBe(24);
    for (let step = 14; step <= 34; step++) {
      expect(stepFromTokens(tokensFromStep(step))).toBe(step);
    }
  });

  it('puts the in-between steps on multiples of 64 near sqrt(2) times the power below', () => {
    expect(tokensFromStep(25)).toBe(5824); // 2^12.5 = 5792.6 -> 5824 (the nearest multiple of 64)
    expect(tokensFromStep(25) % 64).toBe(0);
    expect(tokensFromStep(15)).toBe(192);
  });

  it('stops at the longest context that fits one buffer of the device', () => {
    // d = 64, one head, 2 MiB per buffer: at T = 8,192 the inputs just fit (2 MiB) but the 128
    // chunk states of linear-chunked (128 x 65 x 64 floats, 2.03 MiB) do not.
    const limits = { maxStorageBufferBindingSize: 2 ** 21, maxBufferSize: 2 ** 30 };
    expect(maxTokensFor(limits, { heads: 1, dim: 64, chunkSize: 64 }, 131072)).toBe(4096);
    expect(maxTokensFor(limits, { heads: 1, dim: 64, chunkSize: 64 }, 1024)).toBe(1024);
  });
});

describe('the speedup sentence', () => {
  it('says which form wins and by how much', () => {
    expect(speedupSentence(12.3, 1)).toBe('linear is 12.3x faster');
    expect(speedupSentence(1, 1.4)).toBe('softmax is 1.4x faster');
    expect(speedupSentence(1.02, 1)).toBe('both take about the same time (1.0x)');
    expect(speedupSentence(1234, 1)).toBe('linear is 1,234x faster');
  });

  it('refuses to compare nonsense', () => {
    expect(speedupSentence(Number.NaN, 1)).toBe('no comparison is possible');
    expect(speedupSentence(1, 0)).toBe('no comparison is possible');
  });

  it('turns the FLOP ratio into a prediction that favours linear at long contexts only', () => {
    expect(flopRatio({ heads: 12, tokens: 65536, dim: 64 }, 64)).toBeGreaterThan(10);
    expect(flopRatio({ heads: 12, tokens: 128, dim: 64 }, 64)).toBeLessThan(1);
    expect(flopSentence(5.06)).toBe('the FLOP counts predict linear 5.1x faster');
    expect(flopSentence(0.5)).toBe('the FLOP counts predict softmax 2.0x faster');
  });
});

describe('chart arithmetic', () => {
  it('finds where linear first drops below softmax, interpolated in log-log space', () => {
    const softmax = [1, 2, 3, 4].map((e) => ({ x: 10 ** e, y: 10 ** (2 * e) }));
    const linear = [1, 2, 3, 4].map((e) => ({ x: 10 ** e, y: 10 ** (e + 2.5) }));
    const c = findCrossover(softmax, linear);
    expect(c?.always).toBe(false);
    expect(Math.log10(c?.x ?? 0)).toBeCloseTo(2.5, 6);
  });

  it('reports no crossover when linear never wins, and "always" when it wins from the start', () => {
    const a = [
      { x: 1, y: 1 },
      { x: 2, y: 2 },
    ];
    expect(
      findCrossover(
        a,
        a.map((p) => ({ ...p, y: p.y * 2 })),
      ),
    ).toBeNull();
    expect(
      findCrossover(
        a,
        a.map((p) => ({ ...p, y: p.y / 2 })),
      ),
    ).toEqual({ x: 1, always: true });
  });

  it('keeps slope guides inside the plot', () => {
    const g = slopeGuide(2, { x: 100, y: 1 }, [10, 1000], [0.1, 10], 'slope 2');
    expect(g).not.toBeNull();
    expect(g!.from.y).toBeGreaterThanOrEqual(0.1 - 1e-12);
    expect(g!.to.y).toBeLessThanOrEqual(10 + 1e-12);
    expect(Math.log(g!.to.y / g!.from.y) / Math.log(g!.to.x / g!.from.x)).toBeCloseTo(2, 9);
  });

  it('ticks powers of two and 1-2-5 style decades', () => {
    expect(powerOfTwoTicks([100, 5000], 10)).toEqual([128, 256, 512, 1024, 2048, 4096]);
    expect(powerOfTwoTicks([100, 5000], 3)).toEqual([128, 512, 2048]);
    expect(logTicks([0.01, 1000])).toEqual([0.01, 0.1, 1, 10, 100, 1000]);
    expect(logTicks([1, 10])).toEqual([1, 2, 3, 5, 10]);
  });

  it('measures the log-log slope of a series tail', () => {
    const quadratic = [1, 2, 4, 8].map((x) => ({ x, y: 3 * x * x }));
    expect(tailSlope(quadratic)).toBeCloseTo(2, 9);
    expect(tailSlope([{ x: 1, y: 1 }])).toBeNull();
    expect(sweepLengths(100, 1024)).toEqual([128, 256, 512, 1024]);
  });

  it("draws a point's error bar from its spread across rounds, and none without one", () => {
    const minMs = 1 + Math.random();
    const maxMs = minMs + Math.random();
    expect(spreadBar({ minMs, maxMs })).toEqual({ lo: minMs, hi: maxMs });
    // A single round (null) or an older file (absent) adds no bar, not one at 0 or NaN.
    expect(spreadBar(null)).toEqual({});
    expect(spreadBar(undefined)).toEqual({});
    expect('lo' in spreadBar(null)).toBe(false);
  });
});

describe('formatting', () => {
  it('writes tokens, durations and ratios for readers', () => {
    expect(formatTokens(4096)).toBe('4,096');
    expect(formatTokensShort(131072)).toBe('128K');
    expect(formatTokensShort(2 ** 20)).toBe('1M');
    expect(formatTokensShort(192)).toBe('192');
    expect(formatDuration(1234)).toBe('1.23 s');
    expect(formatDuration(12.34)).toBe('12.3 ms');
    expect(formatDuration(0.0123)).toBe('12.3 µs');
    expect(formatRatio(3.14159)).toBe('3.1x');
  });
});

describe('the reference dataset adapter', () => {
  it('keeps valid records, drops broken ones with a reason, and labels placeholders', () => {
    const data = adaptReference({
      placeholder: true,
      adapter: { vendor: 'google', description: 'SwiftShader Device', isFallbackAdapter: true },
      heads: 12,
      dim: 64,
      records: [
        record('softmax-flash', 1024, 2),
        { task: 'forward', form: 'nope' },
        record('linear-chunked', 1024, 1),
      ],
      chunkSearch: [],
      generation: [],
      torch: [{ impl: 'sdpa', form: 'softmax', tokens: 1024, heads: 12, dim: 64, ms: 1 }],
    });
    expect(data?.records).toHaveLength(2);
    expect(data?.dropped).toEqual(['records[1]: unknown form nope']);
    expect(data?.placeholder).toBe(true);
    expect(data?.label).toMatch(/^placeholder data: SwiftShader/);
    expect(data?.torch).toHaveLength(1);
    expect(adaptReference(null)).toBeNull();
  });

  it('names the reference GPU from its adapter', () => {
    const data = adaptReference({
      adapter: { vendor: 'nvidia', description: 'NVIDIA H200' },
      records: [],
    });
    expect(data?.label).toBe('reference GPU: NVIDIA H200');
  });

  it('picks the measured length nearest the chosen one where both forms ran', () => {
    const records = [
      record('softmax-flash', 1024, 2),
      record('linear-chunked', 1024, 1),
      record('softmax-flash', 4096, 20),
      record('linear-chunked', 4096, 4),
      record('softmax-flash', 16384, null),
      record('linear-chunked', 16384, 9),
    ];
    expect(nearestPair(records, 5000, 'softmax-flash', 'linear-chunked')?.tokens).toBe(4096);
    // 16,384 has no softmax measurement, so 4,096 is the nearest shared point.
    expect(nearestPair(records, 16384, 'softmax-flash', 'linear-chunked')?.tokens).toBe(4096);
    expect(nearestPair(records, 1500, 'softmax-flash', 'linear-chunked')?.tokens).toBe(1024);
  });
});

describe('the PyTorch baselines overlay', () => {
  const torch = (form: string, tokens: number, ms: number): TorchBaseline => ({
    impl: 'torch',
    form,
    tokens,
    heads: 12,
    dim: 64,
    ms,
  });
  // Fresh values each run; shuffled order, so the sort is tested too.
  const ms = (): number => 0.05 + Math.random() * 50;
  const data = [
    torch('softmax-sdpa', 4096, ms()),
    torch('linear-chunked-norm', 2048, ms()),
    torch('softmax-sdpa', 1024, ms()),
    torch('linear-chunked', 1024, ms()),
    torch('sgemm', 8192, ms()),
    torch('linear-chunked-norm', 1024, ms()),
    torch('softmax-sdpa', 2048, ms()),
  ];

  it('draws SDPA as tiled softmax and normalised eager chunked as chunked linear, only those', () => {
    const series = torchBaselineSeries(data, 'NVIDIA H200');
    expect(series.map((s) => s.id)).toEqual(['torch:softmax-sdpa', 'torch:linear-chunked-norm']);
    const [sdpa, linear] = series;
    expect(sdpa?.color).toBe(FORM_COLORS['softmax-flash']);
    expect(linear?.color).toBe(FORM_COLORS['linear-chunked']);
    for (const s of series) {
      expect(s.marker).toBe('square');
      expect(s.dash).toBeTruthy();
      expect(s.hollow).toBe(true);
    }
    expect(sdpa?.points.map((p) => p.x)).toEqual([1024, 2048, 4096]);
    expect(linear?.points.map((p) => p.x)).toEqual([1024, 2048]);
    const at4096 = data[0]?.ms ?? Number.NaN;
    expect(sdpa?.points.at(-1)?.y).toBe(at4096);
    expect(sdpa?.points.at(-1)?.text).toBe(
      `PyTorch fused softmax (SDPA), 4,096 tokens: ${formatDuration(at4096)} (PyTorch native fp32 on NVIDIA H200, H = 12, d = 64)`,
    );
    expect(linear?.label).toBe('PyTorch chunked linear (eager) (PyTorch on NVIDIA H200)');
  });

  it('leaves out the baseline of a hidden form, and draws nothing without data', () => {
    const series = torchBaselineSeries(data, 'NVIDIA H200', new Set(['softmax-flash']));
    expect(series.map((s) => s.id)).toEqual(['torch:linear-chunked-norm']);
    expect(torchBaselineSeries([], 'NVIDIA H200')).toEqual([]);
    expect(torchBaselineSeries([torch('softmax-sdpa', 1024, Number.NaN)], 'x')).toEqual([]);
  });

  it('finds both baselines in the committed reference dataset', () => {
    const series = torchBaselineSeries(referenceData?.torch ?? [], 'NVIDIA H200');
    expect(series).toHaveLength(2);
    for (const s of series) expect(s.points.length).toBeGreaterThan(2);
  });
});

describe('the chunk tuner and generation summaries', () => {
  it('scales the FLOP curve onto the measurements by one factor', () => {
    const model = modelFlops({ heads: 1, tokens: 1024, dim: 64 }, [16, 64, 256]);
    const measured = model.map((m) => ({ c: m.c, ms: m.flops * 1e-6 }));
    const scaled = scaleModel(model, measured);
    scaled.forEach((s, i) => expect(s.ms).toBeCloseTo(measured[i]!.ms, 9));
    expect(scaleModel(model, [])).toEqual([]);
  });

  it('says whether per-token time grows or stays flat', () => {
    expect(
      growthPhrase([
        { x: 128, y: 1 },
        { x: 4096, y: 12 },
      ]),
    ).toBe('grows 12.0x from position 128 to 4,096');
    expect(
      growthPhrase([
        { x: 128, y: 1 },
        { x: 4096, y: 1.1 },
      ]),
    ).toBe('stays about flat from position 128 to 4,096 (1.1x)');
  });
});

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('the GPU scheduler', () => {
  it('runs one job at a time, in order', async () => {
    const scheduler = new GpuScheduler();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const job = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([
      scheduler.run(job('a')),
      scheduler.run(job('b')),
      scheduler.run(job('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('drops a queued job that is cancelled without running it', async () => {
    const scheduler = new GpuScheduler();
    let release: () => void = () => {};
    const first = scheduler.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    let ran = false;
    const second = scheduler.run(
      async () => {
        ran = true;
      },
      { signal: controller.signal },
    );
    controller.abort();
    await expect(second).rejects.toMatchObject({ name: 'AbortError' });
    release();
    await first;
    expect(ran).toBe(false);
    expect(scheduler.waiting).toBe(0);
  });

  it('lets the latest run win: earlier runs are cancelled, queued or running', async () => {
    const scheduler = new GpuScheduler();
    const latest = new LatestJob(scheduler);
    const seen: number[] = [];
    const job = (value: number) => async (signal: AbortSignal) => {
      seen.push(value);
      await tick();
      signal.throwIfAborted();
      return value;
    };
    const outcomes = await Promise.all([1, 2, 3, 4].map((v) => latest.run(job(v))));
    expect(outcomes.slice(0, 3).every((o) => o.status === 'cancelled')).toBe(true);
    expect(outcomes[3]).toEqual({ status: 'done', value: 4 });
    // The first started before the others were queued; the middle ones never ran.
    expect(seen).toEqual([1, 4]);
    expect(latest.active).toBe(false);
  });

  it('counts only the time an iterated sweep spends in its own jobs, not paused at the gate', async () => {
    const scheduler = new GpuScheduler();
    // A clock the test moves by hand: each point takes `work` ms, each pause `pause` ms.
    let t = 1000 + Math.random() * 1000;
    const work = 5 + Math.random() * 10;
    const pause = 1000 + Math.random() * 5000;
    const clock = new JobClock(() => t);
    const seen: number[] = [];
    async function* sweep(): AsyncGenerator<number> {
      for (let i = 0; i < 4; i++) {
        seen.push(clock.now());
        t += work;
        yield i;
      }
    }
    const got: number[] = [];
    for await (const v of scheduler.iterate(sweep(), {
      clock,
      gate: async () => {
        t += pause;
      },
    })) {
      got.push(v);
      t += pause; // the consumer dawdles too: also not the sweep's time
    }
    expect(got).toEqual([0, 1, 2, 3]);
    seen.forEach((at, i) => expect(at).toBeCloseTo(i * work, 9));
    expect(clock.now()).toBeCloseTo(4 * work, 9);
    // A sweep that measures its budget with wall time would have seen the pauses.
    expect(t - 4 * work).toBeGreaterThan(8 * pause);
  });

  it('has a job clock that starts and stops idempotently', () => {
    let t = 0;
    const clock = new JobClock(() => t);
    clock.stop();
    t = 10;
    clock.start();
    t = 15;
    clock.start();
    expect(clock.now()).toBe(5);
    t = 17;
    clock.stop();
    clock.stop();
    t = 100;
    expect(clock.now()).toBe(7);
  });

  it('gives the GPU back between the items of an iterated sweep', async () => {
    const scheduler = new GpuScheduler();
    const log: string[] = [];
    async function* sweep(): AsyncGenerator<number> {
      for (let i = 0; i < 3; i++) {
        log.push(`point ${i}`);
        await tick();
        yield i;
      }
    }
    const consume = (async () => {
      const got: number[] = [];
      for await (const v of scheduler.iterate(sweep())) got.push(v);
      return got;
    })();
    await tick();
    const other = scheduler.run(async () => log.push('other job'));
    expect(await consume).toEqual([0, 1, 2]);
    await other;
    expect(log.indexOf('other job')).toBeGreaterThan(0);
    expect(log.indexOf('other job')).toBeLessThan(log.length - 1);
  });
});
