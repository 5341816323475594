/**
 * How the cost explorer writes its numbers: one format throughout, three significant digits with
 * trailing zeros dropped (2.15 GFLOP, 68.2 MFLOP, 4 MiB, 16.3 KiB, 31.5×), so that the legend, the
 * sentence, the axis and the table agree. d3-format does the SI prefixes.
 */
import { format } from 'd3-format';
import { formatTokens, formatTokensShort } from '../shared/format.ts';
import type { CostMetric } from './costs-model.ts';

export { formatTokens, formatTokensShort };

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

export function formatMetric(value: number, metric: CostMetric): string {
  return metric === 'flops' ? formatFlops(value) : formatMemory(value);
}

/** A ratio with three significant digits: 31.52 -> "31.5×", 2 -> "2×". */
export function formatRatio(ratio: number): string {
  return `${significant(ratio)}×`;
}

/** One form's FLOPs against a baseline's: "same", "31.5× fewer", "2× more". */
export function formatRelative(value: number, baseline: number): string {
  if (!(baseline > 0) || !(value > 0)) return '–';
  const ratio = value / baseline;
  if (Math.abs(ratio - 1) < 5e-4) return 'same';
  return ratio < 1 ? `${formatRatio(1 / ratio)} fewer` : `${formatRatio(ratio)} more`;
}
