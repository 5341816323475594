/**
 * The learning reference (data/learning-h200.json) from ONE device call of scripts/mqar-device.sh:
 * the trainer CLI's JSON of every process in that call, merged into one file of the CLI's shape
 * (machine, adapter, runs), which the learning widget and the article's tokens read. Each run's
 * per-step curves become means over windows of `window` steps (the page need not carry every
 * step), and its final loss and recall (means over the last tenth of its steps) are computed here
 * from the per-step values, once. Runs are chosen by learning rate, given in advance, never by
 * their result; two runs with the same form, pairs and width at that rate are an error.
 */

/** A run as the trainer CLI writes it (src/gpu/train/run.ts MqarCurve), the fields used here. */
export interface CliRun {
  model: { form: string; dModel: number; batch: number; layers: number; heads: number };
  task: { pairs: number; tokens: number; keys: number; values: number; queries: number };
  optimizer: { learningRate: number };
  seed: number;
  steps: number;
  plannedSteps?: number;
  warmup?: number;
  seconds: number;
  loss: number[];
  accuracy: number[];
}

/** One process's file (the trainer CLI's --json). */
export interface CliRecord {
  machine: string;
  adapter?: unknown;
  driver?: string;
  date?: string;
  argv?: string[];
  note?: string;
  runs: CliRun[];
}

export interface MergeOptions {
  /** Keep the runs at this peak learning rate. */
  learningRate: number;
  /** Steps per stored mean. */
  window: number;
  /** Facts about the call kept in the file (commit, command, call folder, ...). */
  provenance: Record<string, string>;
}

/** A value with 4 decimals (losses of a few nats, recall fractions): enough for the curves. */
const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Means over consecutive whole windows of `window` values. */
export function windowedMeans(values: readonly number[], window: number): number[] {
  const out: number[] = [];
  for (let start = 0; start + window <= values.length; start += window) {
    let sum = 0;
    for (let i = start; i < start + window; i++) sum += values[i]!;
    out.push(round4(sum / window));
  }
  return out;
}

/** Steps that "final" values average over: the last tenth of the steps taken, at least one. */
export const finalSteps = (steps: number): number => Math.max(1, Math.floor(steps / 10));

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Merges one call's process files; throws an Error with a sentence when they do not fit. */
export function mergeLearningRecords(
  files: readonly { name: string; record: CliRecord }[],
  options: MergeOptions,
): Record<string, unknown> {
  if (files.length === 0) throw new Error('no trainer files to merge');
  const machines = new Set(files.map((f) => f.record.machine));
  if (machines.size !== 1) {
    throw new Error(`the files name ${machines.size} machines; one call has one machine`);
  }
  const seen = new Map<string, string>();
  const runs: Record<string, unknown>[] = [];
  for (const { name, record } of files) {
    for (const run of record.runs) {
      if (run.optimizer.learningRate !== options.learningRate) continue;
      if (run.loss.length !== run.steps || run.accuracy.length !== run.steps) {
        throw new Error(`${name}: a ${run.model.form} run's curves do not have ${run.steps} steps`);
      }
      const key = `${run.model.form} pairs=${run.task.pairs} d=${run.model.dModel}`;
      const other = seen.get(key);
      if (other !== undefined) throw new Error(`${key} is in both ${other} and ${name}`);
      seen.set(key, name);
      const tail = finalSteps(run.steps);
      runs.push({
        model: run.model,
        task: run.task,
        optimizer: run.optimizer,
        seed: run.seed,
        steps: run.steps,
        plannedSteps: run.plannedSteps ?? run.steps,
        warmup: run.warmup ?? null,
        seconds: Math.round(run.seconds * 10) / 10,
        source: name,
        final: {
          steps: tail,
          loss: round4(mean(run.loss.slice(-tail))),
          recall: round4(mean(run.accuracy.slice(-tail))),
        },
        window: options.window,
        loss: windowedMeans(run.loss, options.window),
        accuracy: windowedMeans(run.accuracy, options.window),
      });
    }
  }
  if (runs.length === 0) {
    throw new Error(`no run has the learning rate ${options.learningRate}`);
  }
  const first = files[0]!.record;
  return {
    machine: first.machine,
    adapter: first.adapter ?? null,
    driver: first.driver ?? null,
    date: files
      .map((f) => f.record.date ?? '')
      .sort()
      .at(0),
    ...options.provenance,
    processes: files.length,
    note: first.note ?? null,
    processArgs: Object.fromEntries(files.map((f) => [f.name, f.record.argv ?? []])),
    runs,
  };
}
