import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuReady } from '../../src/gpu/device.ts';
import { CapacityError } from '../../src/gpu/errors.ts';
import {
  collectSweep,
  pickFastest,
  searchChunkSize,
  sweepAttention,
  sweepDecode,
  type SweepEvent,
} from '../../src/gpu/sweep.ts';
import { detectClock, measureWork, type ClockInfo } from '../../src/gpu/timing.ts';
import { createSpinWork } from '../../src/gpu/timing-spin.ts';
import {
  ATTENTION_FORMS,
  formUnavailable,
  isSoftmaxForm,
  takesOption,
  type AttentionForm,
} from '../../src/gpu/forms/registry.ts';
import { createFakeFactory, type FakeLog } from './fake-attention.ts';
import { gpu, readyDevice } from './setup.ts';

// The sweep's logic on SwiftShader with a fake attention (the timing spin kernel): streaming,
// records, skip reasons, rotation, cancellation and cleanup. No assertion depends on a speed.
describe.skipIf(!gpu)('the context-length sweep', () => {
  let ready: GpuReady;
  let clockInfo: ClockInfo;
  beforeAll(async () => {
    ready = await readyDevice();
    clockInfo = await detectClock(ready.device);
  });
  afterAll(() => ready?.device.destroy());

  const newLog = (): FakeLog => ({ created: [], destroyed: [], writes: 0 });

  it('streams one complete record per form and length, in order, and frees every buffer', async () => {
    const log = newLog();
    const events: SweepEvent[] = [];
    const records = await collectSweep(
      sweepAttention(ready, {
        tokens: [256, 128],
        heads: 2,
        dim: 16,
        samples: 3,
        clockInfo,
        createAttention: createFakeFactory(log),
      }),
      (e) => events.push(e),
    );
    expect(records).toHaveLength(2 * ATTENTION_FORMS.length);
    expect(events.map((e) => e.progress.done)).toEqual(records.map((_, i) => i + 1));
    expect(events.every((e) => e.progress.total === records.length)).toBe(true);
    expect(records.map((r) => r.tokens)).toEqual([
      ...ATTENTION_FORMS.map(() => 128),
      ...ATTENTION_FORMS.map(() => 256),
    ]);
    for (const r of records) {
      // A form this device cannot run (an optional feature it lacks) is skipped, saying why.
      const unavailable = formUnavailable(r.form as AttentionForm, ready.device);
      if (unavailable) {
        expect(r.status).toBe('skipped');
        expect(r.reason).toBe(unavailable);
        continue;
      }
      expect(r.status, r.reason ?? '').toBe('ok');
      expect(r.medianMs).toBeGreaterThan(0);
      expect(r.iqrMs).toBeGreaterThanOrEqual(0);
      expect(r.samples).toBeGreaterThan(0);
      expect(r.gflops).toBeGreaterThan(0);
      expect(r.clock).toBe(clockInfo.clock);
      expect(r.adapter.isFallbackAdapter).toBe(true);
      // The device's limits, which the floors table reads from the dataset.
      expect(r.limits).toEqual({
        maxComputeWorkgroupStorageSize: ready.device.limits.maxComputeWorkgroupStorageSize,
        maxStorageBufferBindingSize: ready.device.limits.maxStorageBufferBindingSize,
        maxBufferSize: ready.device.limits.maxBufferSize,
      });
      expect(r.runtime).toMatch(/^node v\d+/);
      expect(Number.isNaN(Date.parse(r.date))).toBe(false);
      expect([r.heads, r.dim]).toEqual([2, 16]);
      const form = r.form as AttentionForm;
      expect(r.featureMap).toBe(isSoftmaxForm(form) ? null : 'softplus');
      expect(r.chunkSize).toBe(takesOption(form, 'chunkSize') ? 64 : null);
    }
    expect([...log.destroyed].sort()).toEqual([...log.created].sort());
    // Initial random inputs plus a fresh set before every sample (small inputs rotate).
    const samples = records.reduce((s, r) => s + r.samples, 0);
    const run = records.filter((r) => r.status === 'ok').length;
    expect(log.writes).toBeGreaterThanOrEqual(run + samples);
  });

  it('skips a form whose buffer would not fit the device, saying how much it needs', async () => {
    const log = newLog();
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['softmax-naive', 'softmax-flash'],
        tokens: [128, 32768],
        heads: 1,
        dim: 16,
        samples: 3,
        clockInfo,
        createAttention: createFakeFactory(log),
      }),
    );
    const naive = records.find((r) => r.form === 'softmax-naive' && r.tokens === 32768)!;
    expect(naive.status).toBe('skipped');
    // 32768^2 floats = 4 GiB, above SwiftShader's 1 GiB per buffer.
    expect(naive.reason).toMatch(/^needs 4 GiB in one buffer; this device allows \d+ (GiB|MiB)$/);
    expect(naive.medianMs).toBeNull();
    expect(log.created).not.toContain('fake/softmax-naive T=32768 c=64');
  });

  it('stops a series whose next point is predicted to overrun the point budget', async () => {
    const log = newLog();
    // A deterministic clock: 1 ms at T = 1024, growing as T^2 (real timings would be flaky here).
    const measure: typeof measureWork = async (device, work, options) => {
      const real = await measureWork(device, work, { ...options, samples: 1, minSamples: 1 });
      const tokens = Number(/T=(\d+)/.exec(work.label)![1]);
      const ms = (tokens / 1024) ** 2;
      return { ...real, samples: 3, dropped: 0, medianMs: ms, p25Ms: ms, p75Ms: ms, iqrMs: 0 };
    };
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['softmax-naive'],
        tokens: [128, 256, 512, 1024, 8192],
        heads: 1,
        dim: 16,
        samples: 3,
        pointBudgetMs: 1500,
        clockInfo,
        measure,
        createAttention: createFakeFactory(log),
      }),
    );
    // From 0.25 ms at 512 and 1 ms at 1024 the slope is 2: 64 ms at 8192, 6 runs fit 1.5 s.
    expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    const tight = await collectSweep(
      sweepAttention(ready, {
        forms: ['softmax-naive'],
        tokens: [512, 1024, 8192, 16384],
        heads: 1,
        dim: 16,
        pointBudgetMs: 300,
        clockInfo,
        measure,
        createAttention: createFakeFactory(log),
      }),
    );
    expect(tight.map((r) => r.status)).toEqual(['ok', 'ok', 'skipped', 'skipped']);
    expect(tight[2]!.reason).toBe('predicted 64 ms per run; the point budget is 300 ms');
    expect(tight[3]!.reason).toBe('predicted 256 ms per run; the point budget is 300 ms');
    expect(log.created.filter((l) => l.includes('T=8192'))).toHaveLength(1);
  });

  it('measures the sweep budget with budgetClock when given one', async () => {
    const log = newLog();
    // A budget clock that advances 1 s per read (start, then once per point): with a 2.5 s
    // budget, the points read at 1 s and 2 s run and the rest find the budget spent.
    let reads = 0;
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['linear-recurrent'],
        tokens: [128, 256, 512, 1024],
        heads: 1,
        dim: 16,
        samples: 2,
        sweepBudgetMs: 2500,
        budgetClock: () => 1000 * reads++,
        clockInfo,
        createAttention: createFakeFactory(log),
      }),
    );
    expect(records.map((r) => r.status)).toEqual(['ok', 'ok', 'skipped', 'skipped']);
    expect(records[2]!.reason).toBe('sweep time budget spent');
    // A clock that stands still (the sweep paused the whole time) never spends the budget, even
    // one of 1 ms that wall time spends in the first point; the stub keeps predictions tiny.
    const measure: typeof measureWork = async (device, work, options) => {
      const real = await measureWork(device, work, { ...options, samples: 1, minSamples: 1 });
      const ms = 1e-4;
      return { ...real, samples: 3, dropped: 0, medianMs: ms, p25Ms: ms, p75Ms: ms, iqrMs: 0 };
    };
    const still = await collectSweep(
      sweepAttention(ready, {
        forms: ['linear-recurrent'],
        tokens: [128, 256, 512],
        heads: 1,
        dim: 16,
        sweepBudgetMs: 1,
        budgetClock: () => 42,
        clockInfo,
        measure,
        createAttention: createFakeFactory(log),
      }),
    );
    expect(still.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('skips the rest of a series after the factory throws a CapacityError', async () => {
    const log = newLog();
    const fake = createFakeFactory(log);
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['linear-recurrent'],
        tokens: [128, 256, 512],
        heads: 1,
        dim: 16,
        samples: 3,
        clockInfo,
        createAttention: (device, shape, options) => {
          if (shape.tokens >= 256) {
            throw new CapacityError('too big', 3 * 2 ** 30, 2 ** 30);
          }
          return fake(device, shape, options);
        },
      }),
    );
    expect(records.map((r) => r.status)).toEqual(['ok', 'skipped', 'skipped']);
    expect(records[1]!.reason).toBe('needs 3 GiB; this device allows 1 GiB');
    expect(records[2]!.reason).toMatch(/smaller context length already needs 3 GiB/);
  });

  it('records an error, not a number, when the factory fails for another reason', async () => {
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['linear-attention'],
        tokens: [128],
        heads: 1,
        dim: 16,
        clockInfo,
        createAttention: () => {
          throw new Error('kernel exploded');
        },
      }),
    );
    expect(records[0]).toMatchObject({
      status: 'error',
      reason: 'kernel exploded',
      medianMs: null,
    });
  });

  it('stops when aborted mid-sweep, throws the reason and destroys the live work', async () => {
    const log = newLog();
    const controller = new AbortController();
    const seen: number[] = [];
    const run = collectSweep(
      sweepAttention(ready, {
        forms: ['linear-recurrent', 'softmax-flash'],
        tokens: [128, 256, 512, 1024],
        heads: 1,
        dim: 16,
        samples: 3,
        clockInfo,
        signal: controller.signal,
        createAttention: createFakeFactory(log),
      }),
      (e) => {
        seen.push(e.progress.done);
        if (e.progress.done === 3) controller.abort();
      },
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual([1, 2, 3]);
    expect([...log.destroyed].sort()).toEqual([...log.created].sort());
  });

  it('aborts inside a point too, freeing the work being measured', async () => {
    const log = newLog();
    const controller = new AbortController();
    const fake = createFakeFactory(log);
    const run = collectSweep(
      sweepAttention(ready, {
        forms: ['linear-recurrent'],
        tokens: [128],
        heads: 1,
        dim: 16,
        clockInfo,
        signal: controller.signal,
        createAttention: (device, shape, options) => {
          const work = fake(device, shape, options);
          setTimeout(() => controller.abort(), 0);
          return work;
        },
      }),
    );
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(log.created).toHaveLength(1);
    expect(log.destroyed).toEqual(log.created);
  });

  it('runs each chunked form at its own chunk size when given one per form', async () => {
    const log = newLog();
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['softmax-flash', 'linear-chunked', 'gated-chunked'],
        tokens: [256],
        heads: 1,
        dim: 16,
        samples: 3,
        chunkSize: 32,
        chunkSizeByForm: { 'linear-chunked': 128 },
        clockInfo,
        createAttention: createFakeFactory(log),
      }),
    );
    expect(records.map((r) => [r.form, r.chunkSize])).toEqual([
      ['softmax-flash', null],
      ['linear-chunked', 128],
      ['gated-chunked', 32],
    ]);
    expect(log.created).toContain('fake/linear-chunked T=256 c=128');
    expect(log.created).toContain('fake/gated-chunked T=256 c=32');
  });

  it('searches chunk sizes for linear-chunked and reports the fastest', async () => {
    const log = newLog();
    const records = await collectSweep(
      searchChunkSize(ready, {
        tokens: 512,
        heads: 1,
        dim: 16,
        samples: 3,
        clockInfo,
        createAttention: createFakeFactory(log),
      }),
    );
    expect(records.map((r) => r.chunkSize)).toEqual([16, 32, 64, 128, 256]);
    expect(records.every((r) => r.task === 'chunk-search' && r.form === 'linear-chunked')).toBe(
      true,
    );
    const best = pickFastest(records)!;
    expect(Math.min(...records.map((r) => r.medianMs!))).toBe(best.medianMs);
  });

  it('times decode steps against position for a KV cache and a state', async () => {
    const shapes: string[] = [];
    const records = await collectSweep(
      sweepDecode(ready, {
        positions: [128, 1024],
        heads: 2,
        dim: 16,
        samples: 3,
        clockInfo,
        createDecode: (device, shape) => {
          shapes.push(`${shape.kind}@${shape.position}`);
          const iterations = shape.kind === 'kv-cache' ? shape.position : 16;
          return createSpinWork(device, { elements: 64, iterations });
        },
      }),
    );
    expect(shapes).toEqual(['kv-cache@128', 'state@128', 'kv-cache@1024', 'state@1024']);
    expect(records.map((r) => [r.task, r.form, r.tokens, r.status])).toEqual([
      ['decode', 'kv-cache', 128, 'ok'],
      ['decode', 'state', 128, 'ok'],
      ['decode', 'kv-cache', 1024, 'ok'],
      ['decode', 'state', 1024, 'ok'],
    ]);
    expect(records[1]!.featureMap).toBe('softplus');
    expect(records[0]!.featureMap).toBeNull();
    expect(records.every((r) => (r.gflops ?? 0) > 0)).toBe(true);
  });
});
