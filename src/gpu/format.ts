/** Number formatting for the engine's sentences and the CLI: the one module the engine formats numbers with. */

const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

/** 17179869184 -> "16 GiB"; 49152 -> "48 KiB"; 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${BYTE_UNITS[unit]}`;
}

/** 40000 -> "40 s"; 12.5 -> "12.5 ms"; 0.05 -> "50 us". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toPrecision(3))} s`;
  if (ms >= 1) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms * 1000).toPrecision(3))} us`;
}

/** 3264 -> "3,264" (fixed locale, so messages read the same everywhere). */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
