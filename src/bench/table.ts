/**
 * The CLI's plain-text output: a progress line and the results table. Columns: the median (over
 * rounds when there were several), the rounds that measured the point, the min-max of the round
 * medians, and the IQR of the samples within a round.
 */
import type { BenchRecord } from '../gpu/records.ts';
import { formatMs } from '../gpu/format.ts';

const HEADER = [
  'task',
  'form',
  'T',
  'c',
  'median',
  'rounds',
  'min-max',
  'IQR',
  'GFLOP/s',
  'samples',
  'status',
];

function formatNumber(value: number | null, digits = 3): string {
  if (value === null || !Number.isFinite(value)) return '-';
  return value >= 1000 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(digits);
}

/** Table cells for one record. */
export function recordCells(r: BenchRecord): string[] {
  return [
    r.task,
    r.form,
    String(r.tokens),
    r.chunkSize === null ? '' : String(r.chunkSize),
    r.medianMs === null ? '-' : formatMs(r.medianMs),
    String(r.rounds ?? (r.status === 'ok' ? 1 : 0)),
    r.spread ? `${formatMs(r.spread.minMs)} - ${formatMs(r.spread.maxMs)}` : '-',
    r.iqrMs === null ? '-' : formatMs(r.iqrMs),
    formatNumber(r.gflops),
    r.samples ? `${r.samples}x${r.repetitions}` : '-',
    r.status === 'ok' && !r.reason ? 'ok' : `${r.status}: ${r.reason ?? ''}`,
  ];
}

/**
 * Rows as aligned columns, two spaces apart: numeric columns right-aligned, the others left-aligned,
 * the last column as it is.
 */
export function alignColumns(
  rows: readonly string[][],
  numeric: (column: number) => boolean,
): string {
  const widths = (rows[0] ?? []).map((_, c) =>
    Math.max(...rows.map((row) => (row[c] ?? '').length)),
  );
  return rows
    .map((row) =>
      row
        .map((cell, c) => {
          if (c === row.length - 1) return cell;
          const width = widths[c] ?? 0;
          return numeric(c) ? cell.padStart(width) : cell.padEnd(width);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Left-aligned text columns, right-aligned numbers, one line per record, header first. */
export function formatTable(records: readonly BenchRecord[]): string {
  return alignColumns([HEADER, ...records.map(recordCells)], (c) => c >= 2 && c <= 9);
}

/** "[########............] 12/55 linear-chunked T=4096: 1.23 ms". */
export function formatProgress(done: number, total: number, record: BenchRecord): string {
  const width = 20;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
  const result =
    record.status === 'ok' && record.medianMs !== null
      ? formatMs(record.medianMs)
      : `${record.status} (${record.reason ?? ''})`;
  const chunk = record.chunkSize === null ? '' : ` c=${record.chunkSize}`;
  return `[${bar}] ${done}/${total} ${record.form} T=${record.tokens}${chunk}: ${result}`;
}
