/**
 * The phase probe's report (src/bench/phase-report.ts): a phase with no dispatch reads "none", never
 * "NaN us", and its JSON median is null; a timed phase keeps the line the probe always printed.
 */
import { describe, expect, it } from 'vitest';
import { formatPhaseLine, phaseMs } from '../../src/bench/phase-report.ts';

const LABEL = 'phase T=65536 H=12 fp32 softplus + norm inputs';

describe("the phase probe's report", () => {
  it('says none for a phase with no dispatches, whatever its clock read', () => {
    for (const rounds of [[], [Number.NaN, Number.NaN, Number.NaN], [0.0001, Number.NaN, null]]) {
      const line = formatPhaseLine(LABEL, rounds, 0);
      expect(line).toBe(`${LABEL}: none (no dispatches)`);
      expect(line).not.toMatch(/NaN/);
    }
  });

  it('gives the median of the round medians and their range in us, dropping rounds without a time', () => {
    const ms = Array.from({ length: 3 }, () => 0.1 + Math.random());
    const sorted = [...ms].sort((a, b) => a - b);
    const us = (x: number) => (x * 1000).toFixed(1);
    expect(formatPhaseLine(LABEL, [ms[0]!, Number.NaN, ms[1]!, null, ms[2]!], 2)).toBe(
      `${LABEL}: ${us(sorted[1]!)} us (3 rounds, ${us(sorted[0]!)}-${us(sorted[2]!)})`,
    );
    // Two rounds: the lower middle, as the probe always took.
    expect(formatPhaseLine(LABEL, [0.3, 0.2], 1)).toBe(
      `${LABEL}: 200.0 us (2 rounds, 200.0-300.0)`,
    );
    // A phase with work but no measured round: no line (the probe said why already).
    expect(formatPhaseLine(LABEL, [Number.NaN, undefined], 1)).toBeNull();
  });

  it('writes null, not NaN, for a round without a time', () => {
    const x = Math.random();
    expect(phaseMs(x)).toBe(x);
    for (const none of [Number.NaN, Number.POSITIVE_INFINITY, null, undefined]) {
      expect(phaseMs(none)).toBeNull();
    }
    expect(JSON.stringify({ medianMs: phaseMs(Number.NaN) })).toBe('{"medianMs":null}');
  });
});
