/**
 * A training run on MQAR: the loop the CLI, the tests and the widget share. Fresh batches every
 * step (so each step's metrics are measured on sequences the model has never seen, before its
 * update), a learning rate with linear warm-up and cosine decay to a tenth, and a curve of loss
 * and recall accuracy per step.
 */
import { resolveTrainConfig, type OptimizerConfig, type TrainConfig } from './config.ts';
import { GpuTrainer, type StepMetrics } from './model.ts';
import { MqarTask, mqarVocab, resolveMqarConfig, type MqarConfig } from './mqar.ts';
import type { TrainAttentionFactory } from './attention.ts';

export interface MqarRunOptions {
  /** The model; its vocab and tokens come from the task. */
  model: Partial<Omit<TrainConfig, 'vocab' | 'tokens'>> & Pick<TrainConfig, 'form'>;
  task: Partial<MqarConfig> & Pick<MqarConfig, 'pairs'>;
  steps: number;
  /** Seeds the initial parameters; the task's stream uses seed + 1. */
  seed: number;
  optimizer?: Partial<OptimizerConfig>;
  /** Warm-up steps (default a tenth of the run, at most 100). */
  warmup?: number;
  attention?: TrainAttentionFactory;
  /** Called after every step. */
  onStep?: (step: number, metrics: StepMetrics) => void;
  /** Stops the run early (the curve so far is returned). */
  signal?: AbortSignal;
}

export interface MqarCurve {
  model: TrainConfig;
  task: MqarConfig;
  optimizer: OptimizerConfig;
  seed: number;
  /** Steps taken (fewer than planned if the run was stopped). */
  steps: number;
  /** Steps the learning-rate schedule was planned for. */
  plannedSteps: number;
  /** Warm-up steps of the schedule. */
  warmup: number;
  /** Mean loss per step, nats. */
  loss: number[];
  /** Recall accuracy per step: answers whose arg-max is right, over answers asked. */
  accuracy: number[];
  /** Wall-clock seconds the steps took. */
  seconds: number;
}

/** The learning rate at `step` (0-based): linear warm-up, then cosine down to a tenth. */
export function learningRateAt(step: number, steps: number, peak: number, warmup: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = steps > warmup ? (step - warmup) / (steps - warmup) : 1;
  return peak * (0.1 + 0.45 * (1 + Math.cos(Math.PI * Math.min(1, progress))));
}

/** Trains a fresh model on MQAR for `steps` steps on `device`; returns its curves. */
export async function trainMqar(device: GPUDevice, options: MqarRunOptions): Promise<MqarCurve> {
  const task = resolveMqarConfig(options.task);
  const model = resolveTrainConfig({
    ...options.model,
    vocab: mqarVocab(task),
    tokens: task.tokens,
  });
  const stream = new MqarTask(task, options.seed + 1);
  const trainer = new GpuTrainer(device, model, {
    seed: options.seed,
    optimizer: options.optimizer,
    attention: options.attention,
  });
  const warmup = options.warmup ?? Math.min(100, Math.ceil(options.steps / 10));
  const loss: number[] = [];
  const accuracy: number[] = [];
  const started = performance.now();
  try {
    for (let step = 0; step < options.steps; step++) {
      if (options.signal?.aborted) break;
      const lr = learningRateAt(step, options.steps, trainer.optimizer.learningRate, warmup);
      const metrics = await trainer.step(stream.next(model.batch), lr);
      loss.push(metrics.loss);
      accuracy.push(metrics.correct / metrics.scored);
      options.onStep?.(step, metrics);
    }
  } finally {
    trainer.destroy();
  }
  return {
    model,
    task,
    optimizer: trainer.optimizer,
    seed: options.seed,
    steps: loss.length,
    plannedSteps: options.steps,
    warmup,
    loss,
    accuracy,
    seconds: (performance.now() - started) / 1000,
  };
}
