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
  /** The spread of y across rounds (e.g. min and max), drawn as an error bar when lo < hi. */
  lo?: number;
  hi?: number;
}

/**
 * A point's error bar from its spread across rounds (min to max), or nothing for a point measured
 * without one (a single round, or an older file).
 */
export function spreadBar(
  spread: { minMs: number; maxMs: number } | null | undefined,
): Pick<ChartPoint, 'lo' | 'hi'> {
  return spread ? { lo: spread.minMs, hi: spread.maxMs } : {};
}

/** Marker shapes. Forms get distinct shapes so that lines lying on one another stay apart. */
export type ChartMarker =
  'circle' | 'square' | 'diamond' | 'triangle' | 'triangle-down' | 'star' | 'hourglass' | 'plus';

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
  marker?: ChartMarker;
  points: ChartPoint[];
}

/** A point that was not measured (out of memory, over budget): drawn as an x at the top edge. */
export interface ChartMark {
  x: number;
  color: string;
  text: string;
  /** Horizontal offset in px, so that marks of several forms at one x sit side by side. */
  dx?: number;
}

/**
 * Pixel offsets that spread marks sharing an x side by side, `gap` px apart and centred on it, in
 * the order given (so each form keeps its place from one x to the next).
 */
export function spreadMarks<T extends { x: number }>(
  marks: readonly T[],
  gap = 10,
): (T & { dx: number })[] {
  const groups = new Map<number, number>();
  for (const m of marks) groups.set(m.x, (groups.get(m.x) ?? 0) + 1);
  const seen = new Map<number, number>();
  return marks.map((m) => {
    const n = groups.get(m.x) ?? 1;
    const i = seen.get(m.x) ?? 0;
    seen.set(m.x, i + 1);
    return { ...m, dx: (i - (n - 1) / 2) * gap };
  });
}

/**
 * An SVG path for a marker centred on (0, 0) with about the area of a circle of radius r; circles
 * and squares are drawn as <circle> and <rect> by the charts, but have paths here too.
 */
export function markerPath(shape: ChartMarker, r: number): string {
  const f = (v: number): string => String(Number(v.toFixed(2)));
  switch (shape) {
    case 'square':
      return `M${f(-r)},${f(-r)}H${f(r)}V${f(r)}H${f(-r)}Z`;
    case 'diamond': {
      const a = r * 1.3;
      return `M0,${f(-a)}L${f(a)},0L0,${f(a)}L${f(-a)},0Z`;
    }
    case 'triangle':
    case 'triangle-down': {
      const a = r * 1.45;
      const s = shape === 'triangle' ? 1 : -1;
      return `M0,${f(-a * s)}L${f(a * 0.866)},${f((a / 2) * s)}L${f(-a * 0.866)},${f((a / 2) * s)}Z`;
    }
    case 'star': {
      const outer = r * 1.5;
      const inner = outer * 0.45;
      const parts: string[] = [];
      for (let i = 0; i < 10; i++) {
        const radius = i % 2 === 0 ? outer : inner;
        const angle = (Math.PI / 5) * i - Math.PI / 2;
        parts.push(`${f(radius * Math.cos(angle))},${f(radius * Math.sin(angle))}`);
      }
      return `M${parts.join('L')}Z`;
    }
    case 'hourglass': {
      // Two triangles tip to tip (2 a^2 in all, the circle's pi r^2); at 3 px a hexagon or a
      // pentagon reads as a circle, this does not.
      const a = r * Math.sqrt(Math.PI / 2);
      return `M${f(-a)},${f(-a)}H${f(a)}L${f(-a)},${f(a)}H${f(a)}Z`;
    }
    case 'plus': {
      const a = r * 1.3;
      const w = r * 0.45;
      return `M${f(-w)},${f(-a)}H${f(w)}V${f(-w)}H${f(a)}V${f(w)}H${f(w)}V${f(a)}H${f(-w)}V${f(w)}H${f(-a)}V${f(-w)}H${f(-w)}Z`;
    }
    case 'circle':
      return `M${f(-r)},0A${f(r)},${f(r)} 0 1,0 ${f(r)},0A${f(r)},${f(r)} 0 1,0 ${f(-r)},0Z`;
  }
}

/** An axis-aligned box in pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Whether the segment from a to b crosses or lies inside the box (Liang-Barsky clipping). */
export function segmentHitsBox(
  a: { x: number; y: number },
  b: { x: number; y: number },
  box: Box,
): boolean {
  let t0 = 0;
  let t1 = 1;
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const clips: [number, number][] = [
    [-dx, a.x - box.x0],
    [dx, box.x1 - a.x],
    [-dy, a.y - box.y0],
    [dy, box.y1 - a.y],
  ];
  for (const [p, q] of clips) {
    if (p === 0) {
      if (q < 0) return false;
    } else {
      const t = q / p;
      if (p < 0) t0 = Math.max(t0, t);
      else t1 = Math.min(t1, t);
      if (t0 > t1) return false;
    }
  }
  return true;
}

/**
 * Of several candidate boxes for a label, the first that the fewest obstacles touch: polylines
 * (each drawn series, in pixels) and points (markers, with their radius); boxes leaving `bounds`
 * count as badly as ten hits. Returns the index of the chosen candidate.
 */
export function chooseLabelBox(
  candidates: readonly Box[],
  lines: readonly (readonly { x: number; y: number }[])[],
  points: readonly { x: number; y: number }[],
  bounds: Box,
  radius = 5,
): number {
  let best = 0;
  let bestScore = Infinity;
  candidates.forEach((box, i) => {
    let score = 0;
    if (box.x0 < bounds.x0 || box.x1 > bounds.x1 || box.y0 < bounds.y0 || box.y1 > bounds.y1)
      score += 10;
    for (const line of lines) {
      for (let k = 1; k < line.length; k++) {
        if (segmentHitsBox(line[k - 1]!, line[k]!, box)) score += 1;
      }
    }
    for (const p of points) {
      if (
        p.x + radius > box.x0 &&
        p.x - radius < box.x1 &&
        p.y + radius > box.y0 &&
        p.y - radius < box.y1
      )
        score += 2;
    }
    if (score < bestScore) {
      best = i;
      bestScore = score;
    }
  });
  return best;
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
