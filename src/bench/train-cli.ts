/**
 * The MQAR trainer's CLI: trains the tiny WGSL transformer through Dawn on this machine's GPU,
 * one run per form, prints loss and recall accuracy as it goes and a summary table at the end,
 * and writes every run's settings and curves as JSON (--json; rewritten after every run, so a
 * process killed mid-sweep keeps the runs it finished). Run from source with
 * `npm run train -- ...`, or bundled (`npm run build:train`) with `node .gpu/app/train.mjs ...`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { acquireGpu } from '../gpu/device.ts';
import { trainMqar, type MqarCurve } from '../gpu/train/run.ts';
import { getNodeGpu } from '../node/dawn.ts';
import { UsageError } from './args.ts';
import { parseTrainArgs, TRAIN_USAGE } from './train-args.ts';

function mean(values: readonly number[]): number {
  return values.length ? values.reduce((s, x) => s + x, 0) / values.length : Number.NaN;
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseTrainArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(error.message);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    console.log(TRAIN_USAGE);
    return 0;
  }
  const nodeGpu = await getNodeGpu();
  if (nodeGpu.kind !== 'ready') {
    console.error(nodeGpu.reason);
    return 1;
  }
  const outcome = await acquireGpu({ gpu: nodeGpu.gpu });
  if (outcome.kind !== 'ready') {
    console.error(outcome.reason);
    return 1;
  }
  const { device, info } = outcome;
  console.error(`GPU: ${info.name} (${nodeGpu.driver})`);
  if (info.isFallbackAdapter)
    console.error('This is a CPU emulation: steps per second are not GPU speeds.');
  const curves: MqarCurve[] = [];
  const started = new Date().toISOString();
  const writeRecord = async (file: string): Promise<void> => {
    await mkdir(dirname(file), { recursive: true });
    const record = {
      machine: args.machine ?? info.name,
      adapter: info,
      driver: nodeGpu.driver,
      date: started,
      argv: process.argv.slice(2),
      ...(args.note !== null && { note: args.note }),
      runs: curves,
    };
    await writeFile(file, JSON.stringify(record, null, 1));
  };
  for (const pairs of args.pairs) {
    for (const dModel of args.dModel) {
      for (const form of args.forms) {
        const name = `${form} pairs=${pairs} d=${dModel}`;
        // A wall-clock cap per run: the loop stops between steps and the curve so far is kept.
        const stop = new AbortController();
        const timer =
          args.seconds !== null ? setTimeout(() => stop.abort(), 1000 * args.seconds) : null;
        const curve = await trainMqar(device, {
          model: {
            form,
            dModel,
            heads: args.heads,
            layers: args.layers,
            batch: args.batch,
            featureMap: args.featureMap,
          },
          task: {
            pairs,
            ...(args.queries !== null && { queries: args.queries }),
            ...(args.keys !== null && { keys: args.keys }),
            ...(args.values !== null && { values: args.values }),
            ...(args.tokens !== null && { tokens: args.tokens }),
          },
          steps: args.steps,
          seed: args.seed,
          optimizer: { learningRate: args.lr, weightDecay: args.weightDecay },
          ...(args.warmup !== null && { warmup: args.warmup }),
          signal: stop.signal,
          onStep(step, metrics) {
            if ((step + 1) % args.every === 0 || step === 0) {
              console.error(
                `${name} step ${step + 1}/${args.steps}: loss ${metrics.loss.toFixed(3)}, ` +
                  `recall ${((100 * metrics.correct) / metrics.scored).toFixed(1)}%`,
              );
            }
          },
        });
        if (timer !== null) clearTimeout(timer);
        if (curve.steps < args.steps) {
          console.error(`${name}: stopped at ${args.seconds} s after ${curve.steps} steps.`);
        }
        curves.push(curve);
        if (args.json) await writeRecord(args.json);
      }
    }
  }
  const window = Math.max(1, Math.min(10, Math.floor(args.steps / 4)));
  console.log(
    `form     pairs  d_model  first-${window} loss  last-${window} loss  last-${window} recall  steps/s`,
  );
  for (const c of curves) {
    console.log(
      [
        c.model.form.padEnd(8),
        String(c.task.pairs).padStart(5),
        String(c.model.dModel).padStart(8),
        mean(c.loss.slice(0, window)).toFixed(3).padStart(13),
        mean(c.loss.slice(-window)).toFixed(3).padStart(12),
        `${(100 * mean(c.accuracy.slice(-window))).toFixed(1)}%`.padStart(14),
        (c.steps / c.seconds).toFixed(1).padStart(8),
        c.steps < c.plannedSteps ? `stopped at ${c.steps}/${c.plannedSteps}` : '',
      ].join(' '),
    );
  }
  if (args.json) {
    await writeRecord(args.json);
    console.error(`wrote ${args.json}`);
  }
  device.destroy();
  return 0;
}

process.exitCode = await main();
