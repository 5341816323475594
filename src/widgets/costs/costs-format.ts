/** How the cost explorer writes its numbers (d3-format does the SI prefixes). */
import { format } from 'd3-format';
import { formatBytes } from '../shared/format.ts';
import type { CostMetric } from './costs-model.ts';

const si = format('.3~s');
const grouped = format(',');

/** 2.15e9 -> "2.15 GFLOP". */
export function formatFlops(flops: number): string {
  const text = si(flops);
  const match = /^([\d.]+)([a-zA-Zµ]?)$/.exec(text);
  return match ? `${match[1]} ${match[2]}FLOP` : `${text} FLOP`;
}

/** 4096 -> "4,096". */
export function formatTokens(tokens: number): string {
  return grouped(tokens);
}

/** 1024 -> "1k", 1048576 -> "1M": short labels for a log axis of powers of two. */
export function formatTokensShort(tokens: number): string {
  if (tokens >= 1 << 20) return `${tokens / (1 << 20)}M`;
  if (tokens >= 1 << 10) return `${tokens / (1 << 10)}k`;
  return String(tokens);
}

export function formatMetric(value: number, metric: CostMetric): string {
  return metric === 'flops' ? formatFlops(value) : formatBytes(value);
}

/** A ratio as "8.1×" (one decimal below 10, none above). */
export function formatRatio(ratio: number): string {
  return `${ratio >= 10 ? Math.round(ratio).toLocaleString('en-US') : ratio.toFixed(1)}×`;
}
