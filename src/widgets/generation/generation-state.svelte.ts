/**
 * What the generation chart knows: the time to produce one token against its position, for a
 * softmax KV cache (grows with the position) and a linear recurrent state (does not), from the
 * reference GPU and (on request) the reader's GPU.
 */
import type { BenchRecord } from '../../gpu/records.ts';
import { sweepDecode } from '../../gpu/sweep/plans.ts';
import type { DecodeKind } from '../../gpu/types.ts';
import { logDomain, type ChartSeries } from '../shared/chart.ts';
import { LiveSweep } from '../shared/chart-sweep.svelte.ts';
import { formatDuration, formatRatio, formatTokens } from '../shared/format.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { FORM_COLORS } from '../shared/palette.ts';
import { referenceData } from '../shared/reference-data.ts';
import { Visibility } from '../shared/visibility.ts';
import { sweepLengths } from '../timing-chart/timing-chart-state.svelte.ts';

export interface GenerationConfig {
  minPosition: number;
  maxPosition: number;
  heads: number;
  dim: number;
}

export const DECODE_KINDS: readonly DecodeKind[] = ['kv-cache', 'state'];

export const DECODE_LABELS: Record<DecodeKind, string> = {
  'kv-cache': 'Softmax, KV cache',
  state: 'Linear, recurrent state',
  'gated-state': 'Gated linear, recurrent state',
};

/** The KV cache is softmax attention, the state linear attention: the same colours as their forms. */
export const DECODE_COLORS: Record<DecodeKind, string> = {
  'kv-cache': FORM_COLORS['softmax-flash'],
  state: FORM_COLORS['linear-recurrent'],
  'gated-state': FORM_COLORS['gated-recurrent'],
};

function kindPoints(records: readonly BenchRecord[], kind: DecodeKind): { x: number; y: number }[] {
  return records
    .filter((r) => r.form === kind && r.status === 'ok' && r.medianMs !== null)
    .map((r) => ({ x: r.tokens, y: r.medianMs ?? 0 }))
    .sort((a, b) => a.x - b.x);
}

/** How many times longer the last token takes than the first: "grows 12.0x" / "stays within 1.1x". */
export function growthPhrase(points: readonly { x: number; y: number }[]): string | null {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last || first === last) return null;
  const ratio = last.y / first.y;
  const range = `from position ${formatTokens(first.x)} to ${formatTokens(last.x)}`;
  return ratio >= 1.5
    ? `grows ${formatRatio(ratio)} ${range}`
    : `stays about flat ${range} (${formatRatio(Math.max(ratio, 1 / ratio))})`;
}

export class GenerationState {
  config = $state.raw<GenerationConfig>({
    minPosition: 128,
    maxPosition: 32768,
    heads: 12,
    dim: 64,
  });
  readonly visibility = new Visibility({ onReady: () => void pageGpu.acquire() });
  readonly sweep = new LiveSweep(this.visibility, 'decode sweep');
  readonly reference = referenceData;
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');

  readonly series = $derived.by((): ChartSeries[] => {
    const out: ChartSeries[] = [];
    const sets: [string, readonly BenchRecord[], boolean][] = [
      [referenceData?.label ?? 'reference', referenceData?.generation ?? [], true],
      ['your GPU', this.sweep.records, false],
    ];
    for (const [name, records, isRef] of sets) {
      for (const kind of DECODE_KINDS) {
        const points = kindPoints(records, kind);
        if (points.length === 0) continue;
        out.push({
          id: `${isRef ? 'reference' : 'live'}:${kind}`,
          label: `${DECODE_LABELS[kind]} (${name})`,
          color: DECODE_COLORS[kind],
          hollow: isRef,
          ...(isRef ? { dash: '5 3' } : {}),
          points: points.map((p) => ({
            ...p,
            text: `${DECODE_LABELS[kind]}, token at position ${formatTokens(p.x)}: ${formatDuration(p.y)} (${name})`,
          })),
        });
      }
    }
    return out;
  });

  /** Positions shown: the configured range, widened to whatever was measured. */
  readonly xDomain = $derived(
    logDomain(
      [
        this.config.minPosition,
        this.config.maxPosition,
        ...this.series.flatMap((s) => s.points.map((p) => p.x)),
      ],
      1.15,
    ),
  );

  readonly summary = $derived.by(() => {
    const live = this.sweep.records.some((r) => r.status === 'ok');
    const records = live ? this.sweep.records : (referenceData?.generation ?? []);
    const where = live ? 'your GPU' : (referenceData?.label ?? 'the reference GPU');
    const kv = growthPhrase(kindPoints(records, 'kv-cache'));
    const st = growthPhrase(kindPoints(records, 'state'));
    if (!kv && !st)
      return 'Time per generated token against its position: no measurements to show yet.';
    const parts = [
      kv ? `with a KV cache (softmax) the time per token ${kv}` : null,
      st ? `with a recurrent state (linear) it ${st}` : null,
    ].filter(Boolean);
    return `Time to generate one token against its position on ${where}, log-log: ${parts.join('; ')}.`;
  });

  readonly tableRows = $derived.by(() => {
    const rows: (string | number)[][] = [];
    const sets: [string, readonly BenchRecord[]][] = [
      [referenceData?.label ?? 'reference', referenceData?.generation ?? []],
      ['your GPU', this.sweep.records],
    ];
    for (const [name, records] of sets) {
      for (const r of records) {
        rows.push([
          DECODE_LABELS[r.form as DecodeKind] ?? r.form,
          name,
          formatTokens(r.tokens),
          r.medianMs !== null ? formatDuration(r.medianMs) : '–',
          r.status === 'ok' ? 'measured' : `${r.status}: ${r.reason ?? ''}`,
        ]);
      }
    }
    return rows;
  });

  configure(config: GenerationConfig): void {
    this.config = config;
  }

  run(): Promise<void> {
    const { minPosition, maxPosition, heads, dim } = this.config;
    const positions = sweepLengths(minPosition, maxPosition);
    return this.sweep.run(
      (live, signal, budgetClock) =>
        sweepDecode(live.gpu, {
          positions,
          heads,
          dim,
          samples: 5,
          pointBudgetMs: 2000,
          sweepBudgetMs: 90_000,
          clockInfo: live.clockInfo,
          signal,
          budgetClock,
          ...(live.createDecode ? { createDecode: live.createDecode } : {}),
        }),
      positions.length * DECODE_KINDS.length,
    );
  }
}
