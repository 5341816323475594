/**
 * `npm run bench -- --dispatch-floor`: the fixed cost of a run on this GPU (src/gpu/dispatch-floor.ts:
 * an empty pass, a dispatch, a dependent or independent dispatch more, a pass more), timed as the
 * bench times forms, and beside it how many passes and dispatches one run of each of our forms
 * encodes at the chosen context lengths (counted on a real encoder with this device's plans).
 * Prints two tables and the derived per-pass and per-dispatch costs; `--json FILE` writes:
 *   { format: 'linear-attention-live/dispatch-floor', version: 1, date, adapter, runtime, clock,
 *     clockResolutionMs, workgroupStorageBytes, rounds (asked), roundsRun (fewer when
 *     --sweep-budget-ms ran out), sweepBudgetMs, samples, budgetMs, settleClocks,
 *     works: [{ name, family, k, passes, dispatches, workgroups, medianMs, minMs, maxMs,
 *               spreadOver ('rounds' | 'samples'), roundsMs, zeroRounds, boundMs, repetitions,
 *               samples }] (a round whose samples all read zero counts 0; boundMs = resolution / R),
 *     derived: { emptyPassMs, oneDispatchMs, dispatchOverEmptyMs, wideOverOneMs,
 *                perDependentDispatch, perIndependentDispatch, perPass: { slope, intercept, xs } (ms) },
 *     runs: [{ task ('forward' | 'decode'), form, tokens, heads, dim, chunkSize, featureMap,
 *              normalize, passes, dispatches, workgroups, copies, reason }] }
 * Times are ms per run; passes, dispatches and workgroups are per run without timestamp writes.
 */
import { createResidentAttention } from '../gpu/attention.ts';
import {
  createClockSettler,
  describeSettles,
  type ClockSettleResult,
} from '../gpu/clock-settle.ts';
import type { GpuReady } from '../gpu/device.ts';
import {
  deriveFloor,
  measureDispatchFloor,
  type FloorMeasurement,
  type LineFit,
} from '../gpu/dispatch-floor.ts';
import { countRun, type EncoderCount } from '../gpu/encoder-count.ts';
import { formatMs } from '../gpu/format.ts';
import { formUnavailable } from '../gpu/forms/registry.ts';
import { createDecodeWork } from '../gpu/generation/index.ts';
import { formOptions } from '../gpu/sweep/plans.ts';
import type { ClockInfo } from '../gpu/timing.ts';
import type { AttentionForm, DecodeKind, FeatureMap, GpuWork } from '../gpu/types.ts';
import type { BenchArgs } from './args.ts';
import { alignColumns } from './table.ts';
import { writeOut } from '../node/write-out.ts';

/** The decode steps counted beside the forms (the dataset's generation rows and the gated one). */
const DECODE_KINDS: readonly DecodeKind[] = ['kv-cache', 'state', 'gated-state'];

/** One counted run: what one `encode` of a form (or decode step) records on this device. */
export interface RunCount {
  task: 'forward' | 'decode';
  form: AttentionForm | DecodeKind;
  tokens: number;
  heads: number;
  dim: number;
  chunkSize: number | null;
  featureMap: FeatureMap | null;
  normalize: boolean | null;
  count: EncoderCount | null;
  /** Why there is no count (the form is unavailable here, does not fit, or failed). */
  reason: string | null;
}

const message = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Counts one run of the work `create` makes; a validation error becomes the reason. */
async function countCreated(
  device: GPUDevice,
  create: () => Promise<GpuWork> | GpuWork,
): Promise<{ count: EncoderCount | null; reason: string | null }> {
  let work: GpuWork | null = null;
  device.pushErrorScope('validation');
  try {
    work = await create();
    const count = countRun(device, work);
    const invalid = await device.popErrorScope();
    return invalid ? { count: null, reason: invalid.message } : { count, reason: null };
  } catch (error) {
    await device.popErrorScope().catch(() => null);
    return { count: null, reason: message(error) };
  } finally {
    work?.destroy();
  }
}

/**
 * Passes and dispatches of one run of each form at each context length (with the bench's options
 * for that form: formOptions), then of one decode step at each position.
 */
export async function countFormRuns(
  device: GPUDevice,
  args: Pick<
    BenchArgs,
    'forms' | 'tokens' | 'heads' | 'dim' | 'chunk' | 'featureMap' | 'normalize'
  >,
): Promise<RunCount[]> {
  const out: RunCount[] = [];
  for (const form of args.forms) {
    const { options, featureMap, normalize, chunk } = formOptions(form, args, args.chunk);
    for (const tokens of args.tokens) {
      const shape = { heads: args.heads, tokens, dim: args.dim };
      const base = {
        task: 'forward' as const,
        form,
        ...shape,
        chunkSize: chunk,
        featureMap,
        normalize,
      };
      const unavailable = formUnavailable(form, device);
      if (unavailable) {
        out.push({ ...base, count: null, reason: unavailable });
        continue;
      }
      out.push({
        ...base,
        ...(await countCreated(device, () => createResidentAttention(device, shape, options))),
      });
    }
  }
  for (const kind of DECODE_KINDS) {
    const linear = kind !== 'kv-cache';
    for (const position of args.tokens) {
      out.push({
        task: 'decode',
        form: kind,
        tokens: position,
        heads: args.heads,
        dim: args.dim,
        chunkSize: null,
        featureMap: linear ? args.featureMap : null,
        normalize: linear ? args.normalize : null,
        ...(await countCreated(device, () =>
          createDecodeWork(device, { kind, heads: args.heads, dim: args.dim, position }),
        )),
      });
    }
  }
  return out;
}

const msOrDash = (ms: number | null): string => (ms === null ? '-' : formatMs(ms));

/** The probe's table: work, counted passes and dispatches, median, spread, repetitions. */
export function formatFloorTable(measurements: readonly FloorMeasurement[]): string {
  const rows = [
    ['work', 'passes', 'dispatches', 'workgroups', 'median', 'min-max', 'over', 'samples'],
    ...measurements.map((m) => [
      m.spec.name,
      String(m.count.passes),
      String(m.count.dispatches),
      String(m.count.workgroups),
      m.medianMs === 0 && m.boundMs !== null ? `< ${formatMs(m.boundMs)}` : msOrDash(m.medianMs),
      m.minMs === null || m.maxMs === null ? '-' : `${formatMs(m.minMs)} - ${formatMs(m.maxMs)}`,
      m.medianMs === null ? '-' : m.spreadOver,
      m.medianMs === null
        ? 'not measured'
        : `${m.samples}x${m.repetitions}` +
          (m.zeroRounds > 0 ? ` (${m.zeroRounds} round(s) read zero)` : ''),
    ]),
  ];
  const zero = measurements.some((m) => m.zeroRounds > 0)
    ? '\n(a round "read zero" when the clock did not advance in any of its samples: less than ' +
      'its resolution over the repetitions per run; it counts as 0 in the median)'
    : '';
  return alignColumns(rows, (c) => c >= 1) + zero;
}

function formatFit(fit: LineFit | null): string {
  if (!fit) return '- (too few points measured)';
  return (
    `${formatMs(fit.slope)} (least squares over k = ${fit.xs.join(', ')}; ` +
    `intercept ${formatMs(fit.intercept)})`
  );
}

/** The derived lines under the probe's table. */
export function formatFloorDerived(measurements: readonly FloorMeasurement[]): string {
  const d = deriveFloor(measurements);
  const wide = measurements.find((m) => m.spec.name === 'dispatch-wide')?.spec.workgroups ?? 0;
  const empty = measurements.find((m) => m.spec.name === 'empty-pass');
  return [
    `empty compute pass (its timestamps included): ${
      empty?.medianMs === 0 && empty.boundMs !== null
        ? `less than ${formatMs(empty.boundMs)} (the clock did not advance over ${empty.repetitions} runs)`
        : msOrDash(d.emptyPassMs)
    }`,
    `one pass, one one-workgroup dispatch: ${msOrDash(d.oneDispatchMs)} ` +
      `(${msOrDash(d.dispatchOverEmptyMs)} over the empty pass)`,
    `${wide.toLocaleString('en-US')} workgroups instead of 1 in that dispatch: ` +
      `${msOrDash(d.wideOverOneMs)} more`,
    `per extra dependent dispatch (same buffer, barrier): ${formatFit(d.perDependentDispatch)}`,
    `per extra independent dispatch (own buffers): ${formatFit(d.perIndependentDispatch)}`,
    `per extra pass (one dispatch each, same buffer): ${formatFit(d.perPass)}`,
    '(k = 1 is dispatch-1wg in each family; a run is timed as the bench times forms: ' +
      'R runs in one encoder, one timestamp pair, ms = span / R)',
  ].join('\n');
}

/** The forms' table: passes, dispatches and workgroups of one run. */
export function formatRunCounts(runs: readonly RunCount[]): string {
  const rows = [
    ['task', 'form', 'T', 'passes', 'dispatches', 'workgroups', 'copies'],
    ...runs.map((r) =>
      r.count
        ? [
            r.task,
            r.form,
            String(r.tokens),
            String(r.count.passes),
            String(r.count.dispatches),
            r.count.indirect
              ? `${r.count.workgroups} + ${r.count.indirect} indirect`
              : String(r.count.workgroups),
            String(r.count.copies),
          ]
        : [r.task, r.form, String(r.tokens), '-', '-', '-', `- ${r.reason ?? ''}`],
    ),
  ];
  return alignColumns(rows, (c) => c >= 2);
}

/** The probe as the CLI runs it: returns the exit code. */
export async function runDispatchFloor(
  ready: GpuReady,
  args: BenchArgs,
  clockInfo: ClockInfo,
  runtime: string,
): Promise<number> {
  const { device, info } = ready;
  const settles: ClockSettleResult[] = [];
  const settler = args.settleClocks ? await createClockSettler(device, clockInfo) : undefined;
  if (settler) {
    const warm = await settler.settle();
    process.stderr.write(
      `bench: clock settle: warmed ${formatMs(warm.loadedMs)}; probe at ${warm.ratioAfter.toFixed(3)}x its fastest\n`,
    );
  }
  let measurements: FloorMeasurement[];
  try {
    measurements = await measureDispatchFloor(device, {
      clockInfo,
      rounds: args.rounds,
      samples: args.samples,
      budgetMs: args.budgetMs,
      totalBudgetMs: args.sweepBudgetMs,
      ...(settler ? { settler, onSettle: (s: ClockSettleResult) => settles.push(s) } : {}),
      onMeasured: (spec, round, ms) =>
        process.stderr.write(
          `dispatch floor (round ${round + 1}/${args.rounds}) ${spec.name}: ` +
            `${Number.isNaN(ms) ? 'not measured' : ms === 0 ? 'zero (the clock did not advance)' : formatMs(ms)}\n`,
        ),
    });
  } finally {
    settler?.destroy();
  }
  const runs = await countFormRuns(device, args);
  const roundsRun = Math.max(0, ...measurements.map((m) => m.roundsMs.length));
  const storage = device.limits.maxComputeWorkgroupStorageSize;

  process.stdout.write(
    `\n${info.name}; ${runtime}; clock ${clockInfo.clock} ` +
      `(resolution ${formatMs(clockInfo.resolutionMs)}); ${roundsRun} of ${args.rounds} round(s) ` +
      `(--sweep-budget-ms ${args.sweepBudgetMs}), median over rounds; ` +
      `settle clocks ${args.settleClocks ? 'on' : 'off'}\n`,
  );
  process.stdout.write(
    `${formatFloorTable(measurements)}\n\n${formatFloorDerived(measurements)}\n`,
  );
  process.stdout.write(
    `\nOne run of each form, H=${args.heads} d=${args.dim}, as planned on this device ` +
      `(workgroup storage ${storage} bytes; no timestamp writes):\n${formatRunCounts(runs)}\n`,
  );
  if (settles.length > 0) process.stdout.write(`${describeSettles(settles)}\n`);
  if (info.isFallbackAdapter) {
    process.stdout.write('(CPU fallback adapter: these timings are not GPU speeds.)\n');
  }

  if (args.json) {
    const derived = deriveFloor(measurements);
    const json = {
      format: 'linear-attention-live/dispatch-floor',
      version: 1,
      date: new Date().toISOString(),
      adapter: {
        name: info.name,
        vendor: info.vendor,
        architecture: info.architecture,
        description: info.description,
        isFallbackAdapter: info.isFallbackAdapter,
      },
      runtime,
      clock: clockInfo.clock,
      clockResolutionMs: clockInfo.resolutionMs,
      workgroupStorageBytes: storage,
      rounds: args.rounds,
      roundsRun,
      sweepBudgetMs: args.sweepBudgetMs,
      samples: args.samples,
      budgetMs: args.budgetMs,
      settleClocks: args.settleClocks,
      works: measurements.map((m) => ({
        name: m.spec.name,
        family: m.spec.family,
        k: m.spec.k,
        passes: m.count.passes,
        dispatches: m.count.dispatches,
        workgroups: m.count.workgroups,
        medianMs: m.medianMs,
        minMs: m.minMs,
        maxMs: m.maxMs,
        spreadOver: m.spreadOver,
        roundsMs: m.roundsMs,
        zeroRounds: m.zeroRounds,
        boundMs: m.boundMs,
        repetitions: m.repetitions,
        samples: m.samples,
      })),
      derived,
      runs: runs.map(({ count, ...r }) => ({
        ...r,
        passes: count?.passes ?? null,
        dispatches: count?.dispatches ?? null,
        workgroups: count?.workgroups ?? null,
        copies: count?.copies ?? null,
      })),
    };
    await writeOut(args.json, `${JSON.stringify(json, null, 1)}\n`);
  }
  const unmeasured = measurements.filter((m) => m.medianMs === null).length;
  if (unmeasured > 0) {
    process.stderr.write(`bench: ${unmeasured} probe work(s) measured nothing.\n`);
    return 1;
  }
  return 0;
}
