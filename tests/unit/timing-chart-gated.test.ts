import { describe, expect, it } from 'vitest';
import { CHARTED_FORMS, formSpec } from '../../src/gpu/forms/registry.ts';
import { markerPath } from '../../src/widgets/shared/chart.ts';
import { FORM_COLORS } from '../../src/widgets/shared/palette.ts';
import { referenceData } from '../../src/widgets/shared/reference-data.ts';
import {
  FORM_MARKERS,
  okPoints,
  TimingChartState,
} from '../../src/widgets/timing-chart/timing-chart-state.svelte.ts';

describe('the timing chart and the gated family', () => {
  it('charts gated chunked with its own marker and colour token', () => {
    expect(CHARTED_FORMS).toContain('gated-chunked');
    expect(FORM_MARKERS['gated-chunked']).toBe('hourglass');
    expect(markerPath('hourglass', 4)).toMatch(/^M-[\d.]+,-[\d.]+H[\d.]+L-[\d.]+,[\d.]+H[\d.]+Z$/);
    expect(FORM_COLORS['gated-chunked']).toBe(
      `var(--la-gated-chunked, ${formSpec('gated-chunked').color.fallback})`,
    );
  });

  it("draws the reference dataset's gated chunked records as their own series, and hides them on request", () => {
    expect(referenceData).not.toBeNull();
    const expected = okPoints(referenceData!.records, 'gated-chunked');
    expect(expected.length).toBeGreaterThan(3);
    const chart = new TimingChartState();
    const series = chart.series.find((s) => s.id === 'reference:gated-chunked');
    expect(series).toBeDefined();
    expect(series!.marker).toBe('hourglass');
    expect(series!.color).toBe(FORM_COLORS['gated-chunked']);
    expect(series!.points.map((p) => [p.x, p.y])).toEqual(expected.map((p) => [p.x, p.y]));
    // Not the ungated chunked form's numbers under another name.
    const ungated = chart.series.find((s) => s.id === 'reference:linear-chunked')!;
    expect(series!.points.map((p) => p.y)).not.toEqual(ungated.points.map((p) => p.y));
    chart.toggleForm('gated-chunked');
    expect(chart.series.some((s) => s.id === 'reference:gated-chunked')).toBe(false);
  });

  it('labels its rule by what the data show: a crossover, or faster from the shortest length', () => {
    const chart = new TimingChartState();
    const c = chart.crossover;
    expect(c).not.toBeNull();
    const label = chart.rules[0]!.label;
    // Without a crossover inside the lengths measured, the label must not claim one.
    expect(label).toMatch(c!.always ? /^faster from \d/ : /^crossover ≈ \d/);
  });
});
