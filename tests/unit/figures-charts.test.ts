import { describe, expect, it } from 'vitest';
import { CHARTED_FORMS } from '../../src/gpu/forms/registry.ts';
import {
  chooseLabelBox,
  markerPath,
  segmentHitsBox,
  spreadMarks,
} from '../../src/widgets/shared/chart.ts';
import { doneMessage } from '../../src/widgets/shared/chart-sweep.svelte.ts';
import {
  describeRun,
  FORM_MARKERS,
  okPoints,
} from '../../src/widgets/timing-chart/timing-chart-state.svelte.ts';
import {
  ChunkTunerState,
  selectorLengths,
  validTokens,
} from '../../src/widgets/chunk-tuner/chunk-tuner-state.svelte.ts';
import { benchRecord } from '../helpers/records.ts';

const record = benchRecord;

describe('not-measured marks', () => {
  it('sit side by side, centred on their x, when several forms share it', () => {
    const marks = spreadMarks([{ x: 64 }, { x: 128 }, { x: 128 }, { x: 128 }], 10);
    expect(marks.map((m) => m.dx)).toEqual([0, -10, 0, 10]);
    const xs = new Set(marks.filter((m) => m.x === 128).map((m) => m.dx));
    expect(xs.size).toBe(3);
  });
});

describe('markers', () => {
  it('gives every form its own shape, and every shape a closed path', () => {
    expect(new Set(Object.values(FORM_MARKERS)).size).toBe(Object.keys(FORM_MARKERS).length);
    for (const form of CHARTED_FORMS) expect(FORM_MARKERS[form], form).toBeDefined();
    for (const shape of Object.values(FORM_MARKERS)) {
      const d = markerPath(shape, 4);
      expect(d).toMatch(/^M.*Z$/);
      expect(d).not.toContain('NaN');
    }
  });
});

describe('label placement', () => {
  const box = { x0: 10, y0: 10, x1: 50, y1: 20 };
  it('sees a segment crossing a box, and one passing beside it', () => {
    expect(segmentHitsBox({ x: 0, y: 15 }, { x: 60, y: 15 }, box)).toBe(true);
    expect(segmentHitsBox({ x: 20, y: 0 }, { x: 20, y: 30 }, box)).toBe(true);
    expect(segmentHitsBox({ x: 0, y: 0 }, { x: 60, y: 5 }, box)).toBe(false);
    expect(segmentHitsBox({ x: 30, y: 12 }, { x: 31, y: 13 }, box)).toBe(true);
  });

  it('chooses the candidate that no line or marker touches', () => {
    const line = [
      { x: 0, y: 50 },
      { x: 100, y: 50 },
    ];
    const candidates = [
      { x0: 10, y0: 45, x1: 60, y1: 55 },
      { x0: 10, y0: 60, x1: 60, y1: 70 },
      { x0: 10, y0: 20, x1: 60, y1: 30 },
    ];
    const bounds = { x0: 0, y0: 0, x1: 100, y1: 100 };
    // The second is clear of the line but holds a marker; the third is clear of both.
    expect(chooseLabelBox(candidates, [line], [{ x: 30, y: 65 }], bounds)).toBe(2);
    // Outside the plot counts against a candidate.
    const outside = [{ x0: 90, y0: 20, x1: 140, y1: 30 }, candidates[1]!];
    expect(chooseLabelBox(outside, [line], [], bounds)).toBe(1);
  });
});

describe('the end of a sweep', () => {
  it('says why no point was measured', () => {
    const text = doneMessage([
      record('softmax-naive', 65536, null),
      record('softmax-flash', 65536, null),
    ]);
    expect(text).toContain('no point could be measured');
    expect(text).toContain('needs 16 GiB in one buffer (2 points)');
    expect(text).not.toMatch(/\b0 points measured/);
  });

  it('counts the measured points and gives the reason for the rest', () => {
    const text = doneMessage([
      record('linear-chunked', 1024, 0.3),
      record('softmax-naive', 65536, null, { reason: 'over the time budget.' }),
    ]);
    expect(text).toBe('Done: 1 of 2 points measured; 1 not: over the time budget.');
    expect(doneMessage([record('linear-chunked', 1024, 0.3)])).toBe('Done: all 1 points measured.');
    expect(doneMessage([])).toContain('nothing was measured');
  });
});

describe("the timing chart's points and sentences", () => {
  it('carries the spread across rounds into error bars', () => {
    const spread = { minMs: 0.9, p25Ms: 0.95, p75Ms: 1.1, maxMs: 1.3 };
    const points = okPoints(
      [record('linear-chunked', 4096, 1, { rounds: 5, spread }), record('linear-chunked', 8192, 2)],
      'linear-chunked',
    );
    expect(points[0]).toMatchObject({ x: 4096, y: 1, lo: 0.9, hi: 1.3, rounds: 5 });
    expect(points[1]).not.toHaveProperty('lo');
  });

  it("describes the reader's run in its own words", () => {
    const lengths = [1024, 2048, 4096, 8192];
    const records = lengths.flatMap((t) => [
      record('softmax-flash', t, (t / 1024) ** 2 * (0.5 + Math.random() * 0.01)),
      record('linear-chunked', t, (t / 1024) * 0.6 + 0.1),
    ]);
    const text = describeRun(records, 'your GPU').join(' ');
    expect(text).toContain('On your GPU, tiled softmax grows with slope');
    expect(text).toMatch(/becomes faster than tiled softmax at about [\d,]+ tokens/);
  });
});

describe('the chunk tuner', () => {
  it('never offers a length that is not a whole number of tokens', () => {
    for (const bad of [Number.NaN, Infinity, -4, 0, 1.5, undefined, '4096']) {
      expect(validTokens(bad)).toBeNull();
      const options = selectorLengths(bad);
      expect(options.every((t) => Number.isInteger(t) && t > 0)).toBe(true);
    }
    expect(selectorLengths(3000)).toContain(3000);
    const tuner = new ChunkTunerState();
    tuner.configure({ tokens: Number.NaN, heads: 12, dim: 64 });
    expect(tuner.config.tokens).toBe(4096);
    tuner.setTokens(Number.NaN);
    expect(tuner.config.tokens).toBe(4096);
    tuner.setTokens(8192);
    expect(tuner.config.tokens).toBe(8192);
  });

  it("says in its summary whether the reader's search was handed to the other widgets", () => {
    const tuner = new ChunkTunerState();
    tuner.sweep.records = [16, 32, 64, 128, 256].map((c) =>
      benchRecord('linear-chunked', 8192, c === 128 ? 1 : 2, {
        task: 'chunk-search',
        chunkSize: c,
        heads: 12,
        dim: 64,
      }),
    );
    expect(tuner.summary).toMatch(/on your GPU: fastest at chunk size 128/);
    expect(tuner.summary).not.toContain('Other widgets');
    tuner.shared = { chunkSize: 128 };
    expect(tuner.summary).toContain(
      'Other widgets on this page now run chunked linear attention (ungated) at c = 128 on this GPU (d = 64), and this browser keeps it for later visits.',
    );
    tuner.shared = { reason: 'Not every chunk size was timed, so they keep their own.' };
    expect(tuner.summary).toMatch(/ Not every chunk size was timed, so they keep their own\.$/);
  });

  it('names each curve with its machine and context length', () => {
    const tuner = new ChunkTunerState();
    tuner.configure({ tokens: 4096, heads: 12, dim: 64 });
    expect(tuner.refShape).not.toBeNull();
    if (!tuner.refShape) return;
    expect(tuner.refName).toMatch(/ at T = [\d,]+$/);
    expect(tuner.series.find((s) => s.id === 'reference')?.label).toBe(tuner.refName);
    expect(tuner.differentLengths).toBe(tuner.refShape.tokens !== 4096);
  });
});
