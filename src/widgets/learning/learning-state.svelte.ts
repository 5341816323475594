/**
 * What the learning widget knows: tiny transformers of each chosen attention form trained side by
 * side on MQAR on the reader's GPU (src/gpu/train/), their loss and recall curves, steps per
 * second, and why a run stopped. Steps go through the page's GPU scheduler one at a time, forms
 * interleaved, so other widgets' work runs between them; they wait while the widget is off screen
 * or the tab hidden, and a budget of GPU time bounds the run.
 */
import type { FormFamily } from '../../gpu/forms/spec.ts';
import type { ChartSeries } from '../shared/chart.ts';
import { describeStopOrFailure } from '../shared/live-gpu.ts';
import { pageGpu } from '../shared/page-gpu.svelte.ts';
import { gpuScheduler, JobClock } from '../shared/scheduler.ts';
import { formatFraction, formatTokens } from '../shared/format.ts';
import { Visibility } from '../shared/visibility.ts';
import {
  LEARNING_COLORS,
  LEARNING_FORMS,
  LEARNING_LABELS,
  LEARNING_MARKERS,
  planLearning,
  windowFor,
  windowMeans,
  type LearningConfig,
  type LearningPlan,
} from './learning-math.ts';
import { learningReference } from './learning-data.ts';
import {
  matchingCurves,
  referencePoints,
  referenceSpan,
  type ReferenceCurve,
} from './learning-reference.ts';

/** One form's run so far. */
export interface FormCurve {
  form: FormFamily;
  loss: number[];
  accuracy: number[];
  /** Steps per second over the steps taken (null before the second step). */
  stepsPerSecond: number | null;
}

/** The seed of every run: the same initial weights per form and the same sequences for all forms. */
export const LEARNING_SEED = 1;

export class LearningState {
  config = $state.raw<LearningConfig>({
    forms: [...LEARNING_FORMS],
    pairs: 4,
    dModel: 32,
    steps: 300,
    budgetSeconds: 180,
  });
  curves = $state.raw<FormCurve[]>([]);
  plan = $state.raw<LearningPlan | null>(null);
  running = $state(false);
  paused = $state(false);
  progress = $state({ done: 0, total: 0 });
  message = $state<string | null>(null);
  readonly visibility = new Visibility({ onReady: () => void pageGpu.acquire() });
  readonly gpuState = $derived(pageGpu.outcome?.kind ?? 'pending');
  #controller: AbortController | null = null;

  /** Points per curve: one per window of steps. */
  readonly window = $derived(windowFor(this.config.steps));
  /** Reference curves (data/learning-h200.json) for these forms, pairs and width, if any. */
  readonly reference = learningReference;
  readonly referenceCurves = $derived(
    matchingCurves(this.reference, this.config.forms, this.config.pairs, this.config.dModel),
  );
  /** Steps per drawn point of the reference curves (null without any). */
  readonly referenceWindow = $derived.by(() => {
    const first = this.referenceCurves[0];
    return first ? referenceSpan(first.window, windowFor(first.steps)) : null;
  });
  /** The reference runs' steps: "2,000 steps", or "759 to 801 steps" when runs were stopped early. */
  readonly referenceSteps = $derived.by(() => {
    const steps = this.referenceCurves.map((c) => c.steps);
    if (steps.length === 0) return null;
    const [low, high] = [Math.min(...steps), Math.max(...steps)];
    // formatTokens groups thousands: "2,000 steps".
    return low === high
      ? `${formatTokens(low)} steps`
      : `${formatTokens(low)} to ${formatTokens(high)} steps`;
  });
  readonly xDomain = $derived<[number, number]>([
    0,
    Math.max(this.config.steps, ...this.referenceCurves.map((c) => c.steps)),
  ]);

  readonly lossSeries = $derived.by((): ChartSeries[] => [
    ...this.referenceCurves.map((c) =>
      this.#referenceSeries(c, c.loss, 'loss', (y) => `loss ${y.toFixed(2)}`),
    ),
    ...this.curves.map((c) => this.#series(c, c.loss, 'loss', (y) => `loss ${y.toFixed(2)}`)),
  ]);

  readonly recallSeries = $derived.by((): ChartSeries[] => [
    ...this.referenceCurves.map((c) =>
      this.#referenceSeries(c, c.accuracy, 'recall', (y) => `recall ${formatFraction(y)}`),
    ),
    ...this.curves.map((c) =>
      this.#series(c, c.accuracy, 'recall', (y) => `recall ${formatFraction(y)}`),
    ),
  ]);

  readonly lossDomain = $derived.by((): [number, number] => {
    const ys = this.lossSeries.flatMap((s) => s.points.map((p) => p.y));
    return [0, Math.max(1, ...ys) * 1.05];
  });

  /** One line per form: its latest loss and recall (last window) and speed. */
  readonly rows = $derived.by(() =>
    this.curves.map((c) => {
      const n = Math.min(this.window, c.loss.length);
      const mean = (a: number[]) => a.slice(-n).reduce((s, x) => s + x, 0) / Math.max(n, 1);
      return [
        LEARNING_LABELS[c.form],
        c.loss.length,
        n ? mean(c.loss).toFixed(3) : '–',
        n ? formatFraction(mean(c.accuracy)) : '–',
        c.stepsPerSecond !== null ? c.stepsPerSecond.toFixed(1) : '–',
      ];
    }),
  );

  readonly summary = $derived.by(() => {
    if (this.curves.length === 0) {
      return 'Loss and recall accuracy of tiny models trained on associative recall: nothing trained yet.';
    }
    const parts = this.rows.map((r) => `${r[0]} after ${r[1]} steps: loss ${r[2]}, recall ${r[3]}`);
    return `Training on your GPU, ${this.config.pairs} key-value pairs per sequence: ${parts.join('; ')}.`;
  });

  #referenceSeries(
    curve: ReferenceCurve,
    values: number[],
    what: string,
    describe: (y: number) => string,
  ): ChartSeries {
    const label = `${LEARNING_LABELS[curve.form]} (${this.reference?.machine ?? 'reference'})`;
    return {
      id: `reference:${curve.form}:${what}`,
      label,
      color: LEARNING_COLORS[curve.form],
      marker: LEARNING_MARKERS[curve.form],
      hollow: true,
      dash: '5 3',
      points: referencePoints(values, curve.window, windowFor(curve.steps)).map((p) => ({
        x: p.x,
        y: p.y,
        text: `${label}, steps ${p.first} to ${p.x}: ${describe(p.y)}`,
      })),
    };
  }

  #series(
    curve: FormCurve,
    values: number[],
    what: string,
    describe: (y: number) => string,
  ): ChartSeries {
    const label = LEARNING_LABELS[curve.form];
    return {
      id: `${curve.form}:${what}`,
      label,
      color: LEARNING_COLORS[curve.form],
      marker: LEARNING_MARKERS[curve.form],
      points: windowMeans(values, this.window).map((p) => ({
        ...p,
        text: `${label}, steps ${p.x - this.window + 1} to ${p.x}: ${describe(p.y)}`,
      })),
    };
  }

  configure(config: LearningConfig): void {
    if (this.running) return;
    this.config = config;
  }

  /**
   * Changes one setting between runs (the widget's own controls). The last run's curves go, so
   * that the charts never show a run under another run's settings.
   */
  update(patch: Partial<LearningConfig>): void {
    if (this.running) return;
    this.configure({ ...this.config, ...patch });
    this.curves = [];
    this.plan = null;
    this.message = null;
  }

  toggleForm(form: FormFamily): void {
    const has = this.config.forms.includes(form);
    const forms = has
      ? this.config.forms.filter((f) => f !== form)
      : LEARNING_FORMS.filter((f) => f === form || this.config.forms.includes(f));
    this.update({ forms });
  }

  /** Trains every chosen form for the configured steps, side by side; replaces earlier curves. */
  async run(): Promise<void> {
    if (this.running || this.config.forms.length === 0) return;
    const outcome = await pageGpu.acquire();
    if (outcome.kind !== 'ready') {
      this.message = `No live run: ${outcome.reason}`;
      return;
    }
    const { device, info } = outcome;
    const config = this.config;
    const plan = planLearning(config, info.isFallbackAdapter);
    const controller = new AbortController();
    this.#controller = controller;
    this.plan = plan;
    this.running = true;
    this.message = null;
    this.progress = { done: 0, total: config.steps * config.forms.length };
    // The engine's trainer is loaded on first use, so the kernels stay out of the page's first load.
    const train = await import('../../gpu/train/index.ts');
    const clock = new JobClock();
    const runs: {
      form: FormFamily;
      trainer: InstanceType<typeof train.GpuTrainer>;
      task: InstanceType<typeof train.MqarTask>;
      curve: FormCurve;
      seconds: number;
    }[] = [];
    let stoppedFor: string | null = null;
    try {
      const task = train.resolveMqarConfig({ pairs: config.pairs });
      for (const form of config.forms) {
        const model = train.resolveTrainConfig({
          form,
          dModel: plan.dModel,
          heads: plan.heads,
          layers: plan.layers,
          batch: plan.batch,
          vocab: train.mqarVocab(task),
          tokens: task.tokens,
        });
        runs.push({
          form,
          trainer: new train.GpuTrainer(device, model, { seed: LEARNING_SEED }),
          task: new train.MqarTask(task, LEARNING_SEED + 1),
          curve: { form, loss: [], accuracy: [], stepsPerSecond: null },
          seconds: 0,
        });
      }
      this.curves = runs.map((r) => r.curve);
      const warmup = Math.min(100, Math.ceil(config.steps / 10));
      outer: for (let step = 0; step < config.steps; step++) {
        for (const r of runs) {
          if (clock.now() > 1000 * config.budgetSeconds) {
            stoppedFor = `Stopped at the widget's budget of ${config.budgetSeconds} s of GPU time, after ${step} steps per form.`;
            break outer;
          }
          this.paused = !this.visibility.active;
          await this.visibility.whenActive(controller.signal);
          this.paused = false;
          const lr = train.learningRateAt(
            step,
            config.steps,
            r.trainer.optimizer.learningRate,
            warmup,
          );
          const batch = r.task.next(plan.batch);
          const metrics = await gpuScheduler.run(
            async () => {
              clock.start();
              const started = performance.now();
              try {
                return await r.trainer.step(batch, lr);
              } finally {
                // The first step compiles the pipelines: leave it out of the speed.
                if (step > 0) r.seconds += (performance.now() - started) / 1000;
                clock.stop();
              }
            },
            { signal: controller.signal, label: `learning ${r.form}` },
          );
          r.curve = {
            form: r.form,
            loss: [...r.curve.loss, metrics.loss],
            accuracy: [...r.curve.accuracy, metrics.correct / metrics.scored],
            stepsPerSecond: step > 0 ? step / r.seconds : null,
          };
          this.curves = runs.map((x) => x.curve);
          this.progress = { done: this.progress.done + 1, total: this.progress.total };
        }
      }
      this.message =
        stoppedFor ??
        `Done: ${config.steps} steps per form, ${plan.batch} sequences of ${task.tokens} tokens per step.`;
    } catch (error) {
      this.message = describeStopOrFailure(
        error,
        controller.signal,
        `Stopped after ${runs[0]?.curve.loss.length ?? 0} of ${config.steps} steps per form.`,
      );
    } finally {
      for (const r of runs) r.trainer.destroy();
      this.running = false;
      this.paused = false;
      if (this.#controller === controller) this.#controller = null;
    }
  }

  stop(): void {
    this.#controller?.abort(new DOMException('Stopped by the reader.', 'AbortError'));
  }
}
