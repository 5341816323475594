import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClockSettler, describeSettles } from '../../src/gpu/clock-settle.ts';
import { collectSweep, sweepAttention } from '../../src/gpu/sweep.ts';
import { detectClock } from '../../src/gpu/timing.ts';
import { gpu, readyDevice } from './setup.ts';

// SwiftShader has no clocks to raise: these tests check the logic (calibration, the warm phase,
// the ratios, the sweep hook), never a speed.
describe.skipIf(!gpu)('clock settling before timing', () => {
  let ready: Awaited<ReturnType<typeof readyDevice>>;
  beforeAll(async () => {
    ready = await readyDevice();
  });
  afterAll(() => ready?.device.destroy());

  it('warms for the asked time first, then reports ratios against the fastest probe', async () => {
    const clockInfo = await detectClock(ready.device);
    const settler = await createClockSettler(ready.device, clockInfo, { warmMs: 150, maxMs: 300 });
    const warm = await settler.settle();
    expect(warm.loadedMs).toBeGreaterThanOrEqual(150);
    expect(warm.ratioAfter).toBeGreaterThanOrEqual(1);
    const next = await settler.settle();
    expect(next.ratioBefore).toBeGreaterThanOrEqual(1);
    expect(next.ratioAfter).toBeGreaterThanOrEqual(1);
    // Either it was within tolerance at once, or it loaded and then settled or ran out of time.
    if (next.loadedMs === 0) expect(next.settled).toBe(true);
    else expect(next.settled || next.loadedMs >= 300).toBe(true);
    settler.destroy();
    settler.destroy();
    await expect(settler.settle()).rejects.toThrow(/destroyed/);
  });

  it('settles once per point when a sweep is given a settler', async () => {
    const clockInfo = await detectClock(ready.device);
    const settler = await createClockSettler(ready.device, clockInfo, { warmMs: 50, maxMs: 100 });
    const seen: string[] = [];
    const records = await collectSweep(
      sweepAttention(ready, {
        forms: ['softmax-flash', 'linear-chunked'],
        tokens: [32, 64],
        heads: 2,
        dim: 16,
        samples: 3,
        pointBudgetMs: 2000,
        clockInfo,
        clockSettler: settler,
        onClockSettle: (plan, result) => {
          expect(result.ratioAfter).toBeGreaterThanOrEqual(1);
          seen.push(`${plan.base.form} ${plan.tokens}`);
        },
      }),
    );
    settler.destroy();
    expect(records.filter((r) => r.status === 'ok')).toHaveLength(4);
    expect(seen.sort()).toEqual([
      'linear-chunked 32',
      'linear-chunked 64',
      'softmax-flash 32',
      'softmax-flash 64',
    ]);
  });
});

describe('describeSettles', () => {
  it('counts the points that found the clock low and the load they ran', () => {
    const line = describeSettles([
      { ratioBefore: 1, ratioAfter: 1, loadedMs: 0, settled: true },
      { ratioBefore: 4.2, ratioAfter: 1.01, loadedMs: 700, settled: true },
      { ratioBefore: 2, ratioAfter: 1.5, loadedMs: 1500, settled: false },
    ]);
    expect(line).toContain('2 of 3 points');
    expect(line).toContain('worst 4.20x');
    expect(line).toContain('2.2 s');
    expect(line).toContain('1 point(s) started without settling');
  });
});
