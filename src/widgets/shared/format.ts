/** Number formatting shared by widgets and the article. */

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
