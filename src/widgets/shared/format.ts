/**
 * Number formatting for the widgets and the article: the one module the UI and the article's
 * build format numbers with (the engine's sentences use src/gpu/format.ts). The cost explorer's numbers have one format
 * throughout, three significant digits with trailing zeros dropped (2.15 GFLOP, 68.2 MFLOP, 4 MiB,
 * 16.3 KiB, 31.5×), so that its legend, sentence, axis and table agree; d3-format does the SI
 * prefixes.
 */
import { format } from 'd3-format';

export { formatBytes } from '../../gpu/format.ts';

const groupThousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 4096 -> "4,096". */
export function formatTokens(tokens: number): string {
  return groupThousands.format(tokens);
}

/** 4096 -> "4K", 131072 -> "128K", 1048576 -> "1M", 512 -> "512": axis labels for powers of two. */
export function formatTokensShort(tokens: number): string {
  if (tokens >= 1 << 20 && tokens % (1 << 20) === 0) return `${tokens / (1 << 20)}M`;
  if (tokens >= 1024 && tokens % 1024 === 0) return `${tokens / 1024}K`;
  return formatTokens(tokens);
}

/** A duration with three significant digits: 1234 -> "1.23 s", 12.34 -> "12.3 ms", 0.0123 -> "12.3 µs". */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '–';
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  if (ms >= 1) return `${Number(ms.toPrecision(3))} ms`;
  if (ms >= 0.001) return `${Number((ms * 1000).toPrecision(3))} µs`;
  return `${Number((ms * 1e6).toPrecision(3))} ns`;
}

/** A ratio as "12.3x": one decimal below 100, whole numbers (grouped) above. */
export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return '–';
  return ratio >= 100 ? `${groupThousands.format(Math.round(ratio))}x` : `${ratio.toFixed(1)}x`;
}

const si = format('.3~s');
const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** Three significant digits, trailing zeros dropped: 4.0 -> "4", 16.25 -> "16.3". */
function significant(value: number): string {
  return String(Number(value.toPrecision(3)));
}

/** 2.15e9 -> "2.15 GFLOP". */
export function formatFlops(flops: number): string {
  const text = si(flops);
  const match = /^([\d.]+)([a-zA-Zµ]?)$/.exec(text);
  return match ? `${match[1]} ${match[2]}FLOP` : `${text} FLOP`;
}

/** Binary units with three significant digits: 4194304 -> "4 MiB", 16640 -> "16.3 KiB"; 0 -> "none". */
export function formatMemory(bytes: number): string {
  if (bytes <= 0) return 'none';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // Three digits cannot write 1000-1023 of a unit ("1.02e+3"): use the next unit (0.977 MiB).
  if (value >= 999.5 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${significant(value)} ${BYTE_UNITS[unit]}`;
}

/**
 * A factor with three significant digits: 31.52 -> "31.5×", 2 -> "2×" (the cost explorer's one
 * format; formatRatio is the race's and the generation widget's "12.3x").
 */
export function formatFactor(ratio: number): string {
  return `${significant(ratio)}×`;
}

/** One form's FLOPs against a baseline's: "same", "31.5× fewer", "2× more". */
export function formatRelative(value: number, baseline: number): string {
  if (!(baseline > 0) || !(value > 0)) return '–';
  const ratio = value / baseline;
  if (Math.abs(ratio - 1) < 5e-4) return 'same';
  return ratio < 1 ? `${formatFactor(1 / ratio)} fewer` : `${formatFactor(ratio)} more`;
}

/** Article prose: "72.1 µs", "3.50 ms", "26.0 ms", "1.68 s" (three significant digits, zeros kept). */
export function formatTime(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toPrecision(3)} µs`;
  if (ms < 1000) return `${ms.toPrecision(3)} ms`;
  return `${(ms / 1000).toPrecision(3)} s`;
}

function unitOf(ms: number): [scale: number, unit: string] {
  return ms < 1 ? [1000, 'µs'] : ms < 1000 ? [1, 'ms'] : [1 / 1000, 's'];
}

/** Article prose: "3.47–3.54 ms", or "812 µs–1.02 ms" when the ends need different units. */
export function formatTimeRange(lo: number, hi: number): string {
  const [s1, u1] = unitOf(lo);
  const [s2, u2] = unitOf(hi);
  if (u1 !== u2) return `${formatTime(lo)}–${formatTime(hi)}`;
  return `${(lo * s1).toPrecision(3)}–${(hi * s2).toPrecision(3)} ${u1}`;
}

/** Article prose: a speed-up as "2.9×" below 10, "12×" and "117×" above. */
export function formatSpeedup(x: number): string {
  return x < 10 ? `${x.toFixed(1)}×` : `${Math.round(x)}×`;
}

/** A value already in percent: "4.3%" below 10, "26%" above. */
export function formatPercent(percent: number): string {
  return Math.abs(percent) < 10 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

/** A fraction as a whole percentage: 0.45 -> "45%". */
export function formatFraction(fraction: number): string {
  return `${Math.round(100 * fraction)}%`;
}
