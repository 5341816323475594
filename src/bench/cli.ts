/**
 * The benchmark CLI: times the attention forms through Dawn on this machine's GPU, prints a
 * progress bar on stderr and a table on stdout, and writes JSON and CSV records.
 * Run from source with `npm run bench -- ...`, or bundled with `node .gpu/app/bench.mjs ...`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { acquireGpu } from '../gpu/device.ts';
import { recordsToCsv, recordsToJson, type BenchRecord } from '../gpu/records.ts';
import { formatMs } from '../gpu/format.ts';
import {
  collectSweep,
  pickFastest,
  searchChunkSize,
  sweepAttention,
  sweepDecode,
  sweepLayerTraining,
  sweepTraining,
  type SweepCommon,
  type SweepEvent,
} from '../gpu/sweep.ts';
import { combineRounds, rotate } from '../gpu/rounds.ts';
import {
  createClockSettler,
  describeSettles,
  type ClockSettleResult,
} from '../gpu/clock-settle.ts';
import { detectClock } from '../gpu/timing.ts';
import { CHUNK_SIZES } from '../gpu/types.ts';
import { getNodeGpu } from '../node/dawn.ts';
import { createFileChunkCache } from '../node/chunk-size-cache.ts';
import { chooseChunkSize } from '../gpu/sweep/chunk-choice.ts';
import { parseBenchArgs, USAGE, UsageError, type BenchArgs } from './args.ts';
import { formatProgress, formatTable } from './table.ts';
import { writeOut } from '../node/write-out.ts';
import { crossCheckForms, verifyForms, verifySampledRows } from './verify.ts';
import { verifyTraining } from './verify-train.ts';
import { formSpec, isTrainableForm, TRAINABLE_FORMS } from '../gpu/forms/registry.ts';
import { formOptions } from '../gpu/sweep/plans.ts';
import { FAST_ATTENTION_CHUNK } from '../gpu/train/attention-fast.ts';
import { resolveLayerConfig } from '../gpu/train/layer.ts';
import { checkLayerGradients } from './verify-layer.ts';
import { runDispatchFloor } from './dispatch-floor.ts';

/** "node v20.20.2 / dawn (webgpu 0.6.2)". */
function describeNodeRuntime(): string {
  let dawn = 'dawn';
  try {
    const path = createRequire(import.meta.url).resolve('webgpu/package.json');
    const version = (JSON.parse(readFileSync(path, 'utf8')) as { version?: string }).version;
    if (version) dawn = `dawn (webgpu ${version})`;
  } catch {
    // The version is a courtesy; the runtime line stays without it.
  }
  return `node ${process.version} / ${dawn}`;
}

async function main(argv: readonly string[]): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseBenchArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bench: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const nodeGpu = await getNodeGpu();
  if (nodeGpu.kind === 'unavailable') {
    process.stderr.write(`bench: ${nodeGpu.reason}\n`);
    return 1;
  }
  const ready = await acquireGpu({
    gpu: nodeGpu.gpu,
    onUncapturedError: (message) => process.stderr.write(`bench: GPU error: ${message}\n`),
  });
  if (ready.kind !== 'ready') {
    process.stderr.write(`bench: ${ready.reason}\n`);
    return 1;
  }
  const { device, info } = ready;
  if (info.isFallbackAdapter) {
    process.stderr.write(
      `Warning: ${info.name} is a CPU fallback adapter, so these timings are not GPU speeds.\n`,
    );
  }
  const clockInfo = await detectClock(device, args.clock === 'wall-clock' ? 'wall-clock' : 'auto');
  if (args.clock === 'gpu-timestamp' && clockInfo.clock !== 'gpu-timestamp') {
    process.stderr.write(
      'bench: this device has no timestamp-query, so --clock gpu-timestamp cannot be used.\n',
    );
    return 2;
  }
  process.stderr.write(
    `GPU: ${info.name} (${info.description || info.device || 'no description'}); ` +
      `clock: ${clockInfo.clock}, resolution ${formatMs(clockInfo.resolutionMs)}; ` +
      `driver: ${nodeGpu.driver}\n`,
  );

  if (args.dispatchFloor) {
    const code = await runDispatchFloor(ready, args, clockInfo, describeNodeRuntime());
    if (code === 0) device.destroy();
    return code;
  }

  if (args.chunkAuto) {
    const path =
      process.env.LA_CHUNK_CACHE ??
      join(homedir(), '.cache', 'linear-attention-live', 'chunk-sizes.json');
    const choice = await chooseChunkSize(
      { device, info },
      {
        cache: createFileChunkCache(path),
        heads: args.heads,
        dim: args.dim,
        featureMap: args.featureMap,
        normalize: args.normalize,
        sweep: { clockInfo },
      },
    );
    args.chunk = choice.chunkSize;
    const found =
      choice.source === 'search'
        ? `searched (${choice.records
            .map(
              (r) => `c = ${r.chunkSize}: ${r.medianMs === null ? r.status : formatMs(r.medianMs)}`,
            )
            .join(', ')}), cached in ${path}`
        : choice.source === 'cache'
          ? `cached in ${path}`
          : choice.source === 'partial'
            ? 'the fastest of a search cut short by its time budget (not cached)'
            : 'nothing measured: the default';
    process.stderr.write(`chunk size: ${choice.chunkSize}, ${found}\n`);
  }

  let failed = false;
  if (args.verify) {
    const checks = await verifyForms(device, {
      forms: args.forms,
      dim: args.dim,
      chunkSize: args.chunk,
      featureMap: args.featureMap,
      normalize: args.normalize,
    });
    for (const c of checks) {
      const what = c.skipped
        ? `skipped: ${c.skipped}`
        : c.error
          ? `FAIL: ${c.error}`
          : `max rel error ${c.maxRelError.toExponential(2)} ` +
            `(tolerance ${c.tolerance.toExponential(0)}) ${c.ok ? 'ok' : 'FAIL'}`;
      process.stdout.write(
        `verify ${c.form.padEnd(16)} H=${c.heads} T=${c.tokens} d=${c.dim}: ${what}\n`,
      );
      if (!c.ok) failed = true;
    }
    // Long contexts: sampled rows of softmax-flash against float64 at the longest T of the sweep
    // from 16,384 on (at most 65,536: the CPU reference of a row costs T d).
    const long = args.tokens.filter((t) => t >= 16_384 && t <= 65_536);
    if (args.forms.includes('softmax-flash') && long.length > 0) {
      const c = await verifySampledRows(device, {
        form: 'softmax-flash',
        heads: args.heads,
        tokens: Math.max(...long),
        dim: args.dim,
      });
      const what = c.error
        ? `FAIL: ${c.error}`
        : `max rel error ${c.maxRelError.toExponential(2)} (tolerance 1e-3) ${c.ok ? 'ok' : 'FAIL'}`;
      process.stdout.write(
        `verify ${c.form.padEnd(16)} H=${c.heads} T=${c.tokens} d=${c.dim}, ${c.rows} sampled rows: ${what}\n`,
      );
      if (!c.ok) failed = true;
    }
  }

  const trainForms = args.forms.filter(isTrainableForm);
  if ((args.train || args.layer) && trainForms.length === 0) {
    process.stderr.write(
      `bench: --train and --layer need a trainable form in --forms (${TRAINABLE_FORMS.join(', ')}).\n`,
    );
    return 2;
  }
  if (args.verify && args.train) {
    const checks = await verifyTraining(device, {
      forms: trainForms,
      dim: args.dim,
      chunkSize: args.chunk,
      featureMap: args.featureMap,
      normalize: args.normalize,
      // The long check (sampled rows) when the sweep reaches 16,384 tokens.
      longTokens: args.tokens.some((t) => t >= 16_384) ? 16_384 : null,
    });
    for (const c of checks) {
      const errors = Object.entries(c.errors)
        .map(([name, e]) => `${name} ${e.toExponential(2)}`)
        .join(', ');
      const what = c.error
        ? `FAIL: ${c.error}`
        : `${errors} (tolerance ${c.tolerance.toExponential(0)}; ${c.rows}) ${c.ok ? 'ok' : 'FAIL'}`;
      process.stdout.write(
        `verify-train ${c.form.padEnd(14)} H=${c.heads} T=${c.tokens} d=${c.dim}: ${what}\n`,
      );
      if (!c.ok) failed = true;
    }
  }

  if (args.verify && args.layer) {
    for (const form of trainForms) {
      const { featureMap, normalize } = formOptions(form, args, FAST_ATTENTION_CHUNK);
      const config = resolveLayerConfig({
        form: formSpec(form).family,
        tokens: 70,
        dModel: 32,
        heads: 2,
        ...(featureMap === null ? {} : { featureMap }),
        ...(normalize === null ? {} : { normalize }),
      });
      const c = await checkLayerGradients(device, config);
      const worstTensor = Object.entries(c.errors).sort((a, b) => b[1] - a[1])[0];
      const what = c.error
        ? `FAIL: ${c.error}`
        : `worst ${c.worst.toExponential(2)} (${worstTensor?.[0] ?? ''}; y, dx and ` +
          `${Object.keys(c.errors).length - 2} parameter gradients; tolerance ` +
          `${c.tolerance.toExponential(0)}) ${c.ok ? 'ok' : 'FAIL'}`;
      process.stdout.write(
        `verify-layer ${form.padEnd(14)} T=${config.tokens} D=${config.dModel} H=${config.heads} M=${config.mlp}: ${what}\n`,
      );
      if (!c.ok) failed = true;
    }
  }

  if (args.crossCheck !== null) {
    const checks = await crossCheckForms(device, {
      heads: args.heads,
      tokens: args.crossCheck,
      dim: args.dim,
      chunkSize: args.chunk,
      featureMap: args.featureMap,
    });
    for (const c of checks) {
      const what = c.error
        ? `FAIL: ${c.error}`
        : `max rel difference ${c.maxRelDifference!.toExponential(2)} (tolerance 1e-3) ${c.ok ? 'ok' : 'FAIL'}`;
      process.stdout.write(
        `cross-check ${c.forms.join(' vs ')} H=${c.heads} T=${c.tokens} d=${c.dim}: ${what}\n`,
      );
      if (!c.ok) failed = true;
    }
  }

  const common: SweepCommon = {
    heads: args.heads,
    dim: args.dim,
    featureMap: args.featureMap,
    normalize: args.normalize,
    pointBudgetMs: args.budgetMs,
    sweepBudgetMs: args.sweepBudgetMs,
    samples: args.samples,
    rotateBelowBytes: args.rotateBelowBytes,
    clockInfo,
    runtime: describeNodeRuntime(),
  };
  const settles: ClockSettleResult[] = [];
  if (args.settleClocks) {
    common.clockSettler = await createClockSettler(device, clockInfo);
    common.onClockSettle = (_plan, result) => settles.push(result);
    const warm = await common.clockSettler.settle();
    process.stderr.write(
      `bench: clock settle: warmed ${formatMs(warm.loadedMs)}; probe at ${warm.ratioAfter.toFixed(3)}x its fastest\n`,
    );
  }
  const tty = process.stderr.isTTY === true;
  const progress = (label: string) => (event: SweepEvent) => {
    const line = `${label} ${formatProgress(event.progress.done, event.progress.total, event.record)}`;
    if (tty) {
      process.stderr.write(`\r\x1b[2K${line}`);
      if (event.progress.done === event.progress.total) process.stderr.write('\n');
    } else {
      process.stderr.write(`${line}\n`);
    }
  };

  // Round r visits every point once: generation and the chunk search (short), then the sweep
  // (forms rotated by r). Each round may spend an equal share of what is left of the sweep budget,
  // so a slow first round cannot starve the last ones.
  const started = performance.now();
  const rounds: BenchRecord[][] = [];
  const roundLabel = (name: string, r: number) =>
    args.rounds > 1 ? `${name} (round ${r + 1}/${args.rounds})` : name;
  for (let r = 0; r < args.rounds; r++) {
    const roundStart = performance.now();
    const roundBudget = (args.sweepBudgetMs - (roundStart - started)) / (args.rounds - r);
    const share = () => roundBudget - (performance.now() - roundStart);
    const round: BenchRecord[] = [];
    if (args.generation) {
      round.push(
        ...(await collectSweep(
          sweepDecode(ready, {
            ...common,
            sweepBudgetMs: share(),
            positions: args.tokens,
            kinds: rotate(['kv-cache', 'state'] as const, r),
          }),
          progress(roundLabel('generation', r)),
        )),
      );
    }
    if (args.chunkSearch !== null) {
      round.push(
        ...(await collectSweep(
          searchChunkSize(ready, {
            ...common,
            sweepBudgetMs: share(),
            tokens: args.chunkSearch,
            chunkSizes: rotate(CHUNK_SIZES, r),
          }),
          progress(roundLabel('chunk search', r)),
        )),
      );
    }
    if (args.sweep) {
      round.push(
        ...(await collectSweep(
          sweepAttention(ready, {
            ...common,
            sweepBudgetMs: share(),
            forms: rotate(args.forms, r),
            tokens: args.tokens,
            chunkSize: args.chunk,
          }),
          progress(roundLabel('sweep', r)),
        )),
      );
    }
    if (args.train) {
      round.push(
        ...(await collectSweep(
          sweepTraining(ready, {
            ...common,
            sweepBudgetMs: share(),
            forms: rotate(trainForms, r),
            tokens: args.tokens,
            chunkSize: args.chunk,
          }),
          progress(roundLabel('training steps', r)),
        )),
      );
    }
    if (args.layer) {
      round.push(
        ...(await collectSweep(
          sweepLayerTraining(ready, {
            ...common,
            sweepBudgetMs: share(),
            forms: rotate(trainForms, r),
            tokens: args.tokens,
          }),
          progress(roundLabel('layer training steps', r)),
        )),
      );
    }
    rounds.push(round);
  }
  const taskOrder = ['forward', 'train', 'layer', 'chunk-search', 'decode'];
  const records = combineRounds(rounds).sort(
    (x, y) => taskOrder.indexOf(x.task) - taskOrder.indexOf(y.task),
  );
  const bestChunk = pickFastest(records.filter((r) => r.task === 'chunk-search'));

  if (args.json) {
    await writeOut(args.json, recordsToJson(records, args.rounds > 1 ? rounds : undefined));
  }
  if (args.csv) await writeOut(args.csv, recordsToCsv(records));

  if (records.length > 0) {
    process.stdout.write(
      `\n${info.name}; ${records[0]?.runtime ?? ''}; clock ${clockInfo.clock} ` +
        `(resolution ${formatMs(clockInfo.resolutionMs)}); H=${args.heads} d=${args.dim}; ` +
        `${args.rounds} round(s), median over rounds\n`,
    );
    process.stdout.write(`${formatTable(records)}\n`);
  }
  if (bestChunk?.medianMs != null) {
    process.stdout.write(
      `best chunk size at T=${bestChunk.tokens}: ${bestChunk.chunkSize} (${formatMs(bestChunk.medianMs)})\n`,
    );
  }
  if (settles.length > 0) process.stdout.write(`${describeSettles(settles)}\n`);
  if (info.isFallbackAdapter) {
    process.stdout.write('(CPU fallback adapter: these timings are not GPU speeds.)\n');
  }
  const errors = records.filter((r) => r.status === 'error').length;
  if (errors > 0) {
    process.stderr.write(`bench: ${errors} point(s) failed; the table says why.\n`);
    failed = true;
  }
  if (failed) return 1;
  device.destroy();
  return 0;
}

// Dawn keeps the process alive, so the CLI always ends with an explicit exit.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
