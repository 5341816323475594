/**
 * What the phase probes (linear-f16-probe.ts) need beyond timing: a phase's JSON median and its
 * summary line. A phase can be empty: the chunked forms' feature-map pass where the kernels map as
 * they stage (or the identity map) encodes a compute pass with no dispatch, which has no time of
 * its own; a GPU clock around it reads 0 or noise, and the median of nothing is NaN. The probe
 * counts each phase's dispatches with encoder-count.ts's countRun; a phase with none is reported
 * as "none", as docs/PERFORMANCE.md's phase tables write it, and its JSON median is null.
 */

/** A round's median for the JSON: the time in ms, or null where there is none (never NaN). */
export function phaseMs(ms: number | null | undefined): number | null {
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : null;
}

/**
 * One phase's summary line, "`label`: 193.0 us (3 rounds, 192.5-195.1)": the median of its round
 * medians and their range, in microseconds. "`label`: none (no dispatches)" for a phase that
 * encodes no work (`dispatches` 0); null when a phase with work has no measured round (the budget
 * ran out or it failed, which the probe has already said).
 */
export function formatPhaseLine(
  label: string,
  roundsMs: readonly (number | null | undefined)[],
  dispatches: number,
): string | null {
  if (dispatches === 0) return `${label}: none (no dispatches)`;
  const ms = roundsMs
    .map(phaseMs)
    .filter((x): x is number => x !== null)
    .sort((a, b) => a - b);
  if (ms.length === 0) return null;
  const us = (x: number) => (x * 1000).toFixed(1);
  return (
    `${label}: ${us(ms[Math.floor((ms.length - 1) / 2)]!)} us ` +
    `(${ms.length} rounds, ${us(ms[0]!)}-${us(ms[ms.length - 1]!)})`
  );
}
