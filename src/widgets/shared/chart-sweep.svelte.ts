/**
 * A live sweep behind a chart: streams records from a sweep generator through the page's GPU
 * scheduler (one point per job), pauses between points while the widget is off screen or the tab
 * hidden, and stops on request. Used by the timing chart, the chunk tuner and the generation chart.
 */
import type { BenchRecord } from '../../gpu/records.ts';
import type { SweepEvent } from '../../gpu/sweep.ts';
import { describeStopOrFailure, getLiveGpu, noLiveRunMessage, type LiveGpu } from './live-gpu.ts';
import { gpuScheduler, JobClock } from './scheduler.ts';
import type { Visibility } from './visibility.ts';

/**
 * The sentence at the end of a sweep: how many points were measured and, for the rest, why not
 * (the distinct reasons the engine gave, most frequent first), so that "0 points" never stands
 * alone.
 */
export function doneMessage(records: readonly BenchRecord[]): string {
  const ok = records.filter((r) => r.status === 'ok').length;
  if (records.length === 0) return 'Done: nothing was measured; these settings plan no points.';
  // A plain record, not a Map: this runs once per sweep and nothing observes it.
  const reasons: Record<string, number> = {};
  for (const r of records) {
    if (r.status === 'ok') continue;
    const why = (r.reason ?? `${r.status}, no reason given`).replace(/\.$/, '');
    reasons[why] = (reasons[why] ?? 0) + 1;
  }
  const kinds = Object.keys(reasons).length;
  const why = Object.entries(reasons)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([text, n]) => (n > 1 ? `${text} (${n} points)` : text));
  const more = kinds > 2 ? `; and ${kinds - 2} other reasons (see the table)` : '';
  if (ok === records.length) return `Done: all ${ok} points measured.`;
  const rest = records.length - ok;
  return ok === 0
    ? `Done, but no point could be measured: ${why.join('; ')}${more}.`
    : `Done: ${ok} of ${records.length} points measured; ${rest} not: ${why.join('; ')}${more}.`;
}

export class LiveSweep {
  records = $state.raw<BenchRecord[]>([]);
  running = $state(false);
  paused = $state(false);
  progress = $state({ done: 0, total: 0 });
  message = $state<string | null>(null);
  #controller: AbortController | null = null;
  #visibility: Visibility;
  #label: string;

  constructor(visibility: Visibility, label: string) {
    this.#visibility = visibility;
    this.#label = label;
  }

  /**
   * Runs the sweep `make` returns for the page's GPU; replaces earlier records. `make` may pass
   * `budgetClock` on to the sweep, so that time paused off screen does not spend its budget.
   * `prepare`, when given, runs first inside the same run (Stop and the visibility gate apply; its
   * points go through `iterate`, one scheduler job each, on the same clock), e.g. choosing the
   * chunk size the sweep then uses; its records are not the sweep's.
   */
  async run(
    make: (
      live: LiveGpu,
      signal: AbortSignal,
      budgetClock: () => number,
    ) => AsyncGenerator<SweepEvent>,
    total: number,
    prepare?: (
      live: LiveGpu,
      context: {
        signal: AbortSignal;
        budgetClock: () => number;
        iterate: (events: AsyncGenerator<SweepEvent>) => AsyncIterable<SweepEvent>;
      },
    ) => Promise<void>,
  ): Promise<void> {
    if (this.running) return;
    const live = await getLiveGpu();
    if (!live) {
      this.message = noLiveRunMessage();
      return;
    }
    const controller = new AbortController();
    this.#controller = controller;
    this.records = [];
    this.running = true;
    this.message = null;
    this.progress = { done: 0, total };
    const clock = new JobClock();
    const options = {
      signal: controller.signal,
      label: this.#label,
      clock,
      gate: async (signal?: AbortSignal) => {
        this.paused = !this.#visibility.active;
        await this.#visibility.whenActive(signal);
        this.paused = false;
      },
    };
    try {
      await prepare?.(live, {
        signal: controller.signal,
        budgetClock: () => clock.now(),
        iterate: (events) => gpuScheduler.iterate(events, options),
      });
      for await (const event of gpuScheduler.iterate(
        make(live, controller.signal, () => clock.now()),
        options,
      )) {
        this.records = [...this.records, event.record];
        this.progress = event.progress;
      }
      this.message = doneMessage(this.records);
    } catch (error) {
      this.message = describeStopOrFailure(
        error,
        controller.signal,
        `Stopped after ${this.progress.done} of ${this.progress.total} points.`,
      );
    } finally {
      this.running = false;
      this.paused = false;
      if (this.#controller === controller) this.#controller = null;
    }
  }

  stop(): void {
    this.#controller?.abort(new DOMException('Stopped by the reader.', 'AbortError'));
  }
}
