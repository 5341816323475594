import { describe, expect, it } from 'vitest';
import { DISPATCH_FLOOR_TOKENS, parseBenchArgs, UsageError } from '../../src/bench/args.ts';
import {
  deriveFloor,
  fitLine,
  floorWorkSpecs,
  roundValue,
  type FloorMeasurement,
} from '../../src/gpu/dispatch-floor.ts';

/** A measurement of `name` at `ms` (the fields deriveFloor does not read are plausible fillers). */
function measured(name: string, ms: number | null): FloorMeasurement {
  const spec = floorWorkSpecs().find((s) => s.name === name);
  if (!spec) throw new Error(`no work ${name}`);
  const dispatches = spec.passes * spec.dispatchesPerPass;
  return {
    spec,
    count: {
      passes: spec.passes,
      dispatches,
      workgroups: dispatches * spec.workgroups,
      indirect: 0,
      copies: 0,
    },
    medianMs: ms,
    minMs: ms,
    maxMs: ms,
    spreadOver: 'rounds',
    roundsMs: ms === null ? [] : [ms],
    zeroRounds: 0,
    boundMs: null,
    repetitions: 100,
    samples: 10,
  };
}

describe('the dispatch-floor probe', () => {
  it('lists the single works and each family at k = 2, 4, 8, with the passes and dispatches named', () => {
    const specs = floorWorkSpecs(99);
    expect(specs.map((s) => s.name)).toEqual([
      'empty-pass',
      'dispatch-1wg',
      'dispatch-wide',
      'dependent-2',
      'dependent-4',
      'dependent-8',
      'independent-2',
      'independent-4',
      'independent-8',
      'passes-2',
      'passes-4',
      'passes-8',
    ]);
    const by = (name: string) => specs.find((s) => s.name === name)!;
    expect(by('dispatch-wide').workgroups).toBe(99);
    expect(floorWorkSpecs().find((s) => s.name === 'dispatch-wide')!.workgroups).toBe(1584);
    expect([by('dependent-8').passes, by('dependent-8').dispatchesPerPass]).toEqual([1, 8]);
    expect([by('independent-4').ownBuffers, by('dependent-4').ownBuffers]).toEqual([true, false]);
    expect([by('passes-4').passes, by('passes-4').dispatchesPerPass]).toEqual([4, 1]);
    expect(by('empty-pass').dispatchesPerPass).toBe(0);
  });

  it('fits a least-squares line exactly through collinear points and refuses one distinct x', () => {
    const slope = 0.5 + Math.random();
    const intercept = Math.random() * 10;
    const xs = [1, 2, 4, 8];
    const fit = fitLine(
      xs,
      xs.map((x) => intercept + slope * x),
    )!;
    expect(fit.slope).toBeCloseTo(slope, 12);
    expect(fit.intercept).toBeCloseTo(intercept, 12);
    expect(fitLine([3, 3], [1, 2])).toBeNull();
    expect(fitLine([3], [1])).toBeNull();
    // Noisy points: the slope of (1,1), (2,3), (3,2) is 0.5, the intercept 1.
    const noisy = fitLine([1, 2, 3], [1, 3, 2])!;
    expect([noisy.slope, noisy.intercept]).toEqual([0.5, 1]);
  });

  it('derives each family slope over k = 1 (dispatch-1wg), 2, 4, 8 and the differences', () => {
    const oneMs = 0.004 + 0.001 * Math.random();
    const dep = 0.002 * Math.random() + 0.001;
    const ind = 0.0005 * Math.random();
    const pass = 0.003 * Math.random() + 0.002;
    const ms = [
      measured('empty-pass', 0.001),
      measured('dispatch-1wg', oneMs),
      measured('dispatch-wide', oneMs + 0.01),
      ...[2, 4, 8].flatMap((k) => [
        measured(`dependent-${k}`, oneMs + dep * (k - 1)),
        measured(`independent-${k}`, oneMs + ind * (k - 1)),
        measured(`passes-${k}`, oneMs + pass * (k - 1)),
      ]),
    ];
    const d = deriveFloor(ms);
    expect(d.emptyPassMs).toBe(0.001);
    expect(d.dispatchOverEmptyMs).toBeCloseTo(oneMs - 0.001, 12);
    expect(d.wideOverOneMs).toBeCloseTo(0.01, 12);
    expect(d.perDependentDispatch!.slope).toBeCloseTo(dep, 12);
    expect(d.perDependentDispatch!.intercept).toBeCloseTo(oneMs - dep, 12);
    expect(d.perDependentDispatch!.xs).toEqual([1, 2, 4, 8]);
    expect(d.perIndependentDispatch!.slope).toBeCloseTo(ind, 12);
    expect(d.perPass!.slope).toBeCloseTo(pass, 12);

    // Unmeasured works drop out of the fits and the differences.
    const partial = deriveFloor(
      ms.map((m) =>
        m.spec.name === 'dispatch-1wg' || m.spec.name === 'passes-2'
          ? measured(m.spec.name, null)
          : m,
      ),
    );
    expect(partial.dispatchOverEmptyMs).toBeNull();
    expect(partial.perPass!.xs).toEqual([4, 8]);
    expect(partial.perPass!.slope).toBeCloseTo(pass, 12);
    expect(partial.perDependentDispatch!.xs).toEqual([2, 4, 8]);
  });

  it("takes a round's value by the bench's rule, 0 when the clock never advanced", () => {
    expect(roundValue({ samples: 3, medianMs: 0.02, rawMs: [0.02, 0, 0.03, 0.01] })).toBe(0.02);
    expect(roundValue({ samples: 0, medianMs: Number.NaN, rawMs: [0, 0, 0] })).toBe(0);
    expect(roundValue({ samples: 0, medianMs: Number.NaN, rawMs: [0, -1e-6] })).toBeNaN();
    expect(roundValue({ samples: 0, medianMs: Number.NaN, rawMs: [] })).toBeNaN();
  });

  it('reads --dispatch-floor: counts at 128, 1024 and 4096 unless --tokens, and runs alone', () => {
    expect(parseBenchArgs([]).dispatchFloor).toBe(false);
    const a = parseBenchArgs(['--dispatch-floor', '--rounds', '5', '--settle-clocks']);
    expect([a.dispatchFloor, a.rounds, a.settleClocks]).toEqual([true, 5, true]);
    expect(a.tokens).toEqual([...DISPATCH_FLOOR_TOKENS]);
    expect(a.tokens).toEqual([128, 1024, 4096]);
    expect(parseBenchArgs(['--dispatch-floor', '--tokens', '256']).tokens).toEqual([256]);
    expect(parseBenchArgs(['--dispatch-floor', '--no-sweep']).dispatchFloor).toBe(true);
    expect(parseBenchArgs(['--dispatch-floor', '--json', 'f.json']).json).toBe('f.json');
    for (const extra of [['--verify'], ['--csv', 'x.csv'], ['--generation'], ['--chunk', 'auto']]) {
      expect(() => parseBenchArgs(['--dispatch-floor', ...extra]), extra.join(' ')).toThrow(
        UsageError,
      );
    }
    expect(() => parseBenchArgs(['--dispatch-floor', '--train', '--csv', 'x'])).toThrow(
      /^--dispatch-floor runs alone; drop --train, --csv\.$/,
    );
  });
});
