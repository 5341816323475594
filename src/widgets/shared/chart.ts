/**
 * Chart arithmetic shared by the widgets' charts: d3 computes scales, ticks and paths here; the
 * Svelte components only draw what these return ("d3 computes, Svelte renders").
 */
import { extent } from 'd3-array';
import { scaleLinear, scaleLog, type ScaleContinuousNumeric } from 'd3-scale';
import { line } from 'd3-shape';

export interface ChartPoint {
  x: number;
  y: number;
  /** The tooltip and accessible name: "Softmax, tiled at 4,096 tokens: 1.23 ms (your GPU)". */
  text: string;
}

export interface ChartSeries {
  id: string;
  label: string;
  /** A CSS colour, usually a palette variable. */
  color: string;
  /** SVG stroke-dasharray, e.g. "4 3" for reference data. */
  dash?: string;
  /** Hollow markers (reference data) instead of filled ones (live data). */
  hollow?: boolean;
  /** Marker shape; default 'circle'. */
  marker?: 'circle' | 'square' | 'diamond';
  points: ChartPoint[];
}

/** A point that was not measured (out of memory, over budget): drawn as an x at the top edge. */
export interface ChartMark {
  x: number;
  color: string;
  text: string;
}

/** A straight reference line in log-log space (slope 1, slope 2). */
export interface ChartGuide {
  label: string;
  from: { x: number; y: number };
  to: { x: number; y: number };
}

/** A vertical marker (the crossover, the best chunk size). */
export interface ChartRule {
  x: number;
  label: string;
}

export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export type AxisKind = 'log2' | 'log10' | 'linear';

/** A scale of the given kind over a domain and range. */
export function makeScale(
  kind: AxisKind,
  domain: [number, number],
  range: [number, number],
): ScaleContinuousNumeric<number, number> {
  if (kind === 'linear') return scaleLinear().domain(domain).range(range);
  const scale = scaleLog().domain(domain).range(range);
  return kind === 'log2' ? scale.base(2) : scale;
}

/** The extent of positive values, widened by `pad` (a factor) on each side; a fallback if none. */
export function logDomain(
  values: readonly number[],
  pad = 1.25,
  fallback: [number, number] = [1, 10],
): [number, number] {
  const [lo, hi] = extent(values.filter((v) => v > 0 && Number.isFinite(v)));
  if (lo === undefined || hi === undefined) return fallback;
  if (lo === hi) return [lo / 2, hi * 2];
  return [lo / pad, hi * pad];
}

/** Powers of two within the domain, thinned so that at most `max` remain. */
export function powerOfTwoTicks(domain: [number, number], max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log2(domain[0])); 2 ** e <= domain[1]; e++) ticks.push(2 ** e);
  const step = Math.max(1, Math.ceil(ticks.length / Math.max(max, 1)));
  return ticks.filter((_, i) => i % step === 0);
}

/** Ticks of a log10 axis: 1-2-5 per decade when few decades are shown, else powers of ten. */
export function logTicks(domain: [number, number]): number[] {
  const decades = Math.log10(domain[1] / domain[0]);
  const mantissas = decades <= 1.2 ? [1, 2, 3, 5] : decades <= 3.5 ? [1, 3] : [1];
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(domain[0])); 10 ** e <= domain[1]; e++) {
    for (const m of mantissas) {
      const t = m * 10 ** e;
      if (t >= domain[0] && t <= domain[1]) ticks.push(Number(t.toPrecision(6)));
    }
  }
  return ticks;
}

/** An SVG path through the points (sorted by x), or "" for fewer than two. */
export function linePath(
  points: readonly { x: number; y: number }[],
  x: (v: number) => number,
  y: (v: number) => number,
): string {
  if (points.length < 2) return '';
  const sorted = [...points].sort((a, b) => a.x - b.x);
  return (
    line<{ x: number; y: number }>()
      .x((p) => x(p.x))
      .y((p) => y(p.y))(sorted) ?? ''
  );
}

/**
 * Where `b` first drops to or below `a` (both sampled at some of the same x, ascending), found on
 * the x they share and interpolated in log-log space between the last point where b was slower and
 * the first where it is not. Returns null when b never wins; the first shared x when b always does.
 */
export function findCrossover(
  a: readonly { x: number; y: number }[],
  b: readonly { x: number; y: number }[],
): { x: number; always: boolean } | null {
  const ay = new Map(a.map((p) => [p.x, p.y]));
  const shared = [...b]
    .filter((p) => ay.has(p.x))
    .sort((p, q) => p.x - q.x)
    .map((p) => ({ x: p.x, gap: Math.log(p.y / (ay.get(p.x) ?? Number.NaN)) }));
  let previous: { x: number; gap: number } | null = null;
  for (const point of shared) {
    if (point.gap <= 0) {
      if (!previous) return { x: point.x, always: true };
      // The log-ratio changes sign between the two x: interpolate its zero in log x.
      const t = previous.gap / (previous.gap - point.gap);
      const lx = Math.log(previous.x) + t * (Math.log(point.x) - Math.log(previous.x));
      return { x: Math.exp(lx), always: false };
    }
    previous = point;
  }
  return null;
}

/**
 * A guide line of the given log-log slope across the x domain, through `anchor`; the part outside
 * the y domain is cut off, so the guide stays inside the plot.
 */
export function slopeGuide(
  slope: number,
  anchor: { x: number; y: number },
  xDomain: [number, number],
  yDomain: [number, number],
  label: string,
): ChartGuide | null {
  const yAt = (x: number): number => anchor.y * (x / anchor.x) ** slope;
  const xAt = (y: number): number => anchor.x * (y / anchor.y) ** (1 / slope);
  const x0 = Math.max(xDomain[0], xAt(yDomain[0]));
  const x1 = Math.min(xDomain[1], xAt(yDomain[1]));
  if (!(x1 > x0)) return null;
  return { label, from: { x: x0, y: yAt(x0) }, to: { x: x1, y: yAt(x1) } };
}
