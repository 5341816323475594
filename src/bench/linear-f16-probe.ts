/**
 * linear-chunked-f16 on a GPU machine (issue 10): whether the device offers shader-f16 (Dawn
 * flags from DAWN_FLAGS, src/node/dawn.ts; on the H200:
 * enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia), then its outputs against the
 * float64 reference and the derived f16 bound (checkF16Linear, forms/f16/accuracy.ts): all rows at
 * T = 1,000, sampled rows at long T, softplus normalised and identity unnormalised, through
 * runAttention (outputs poisoned with NaN first). Then each phase of linear-chunked and
 * linear-chunked-f16 timed alone at --phase-tokens (H = 12, d = 64, c = 64), 3 interleaved rounds:
 * where the f16 form gains or loses. A phase that encodes no dispatch (the fp32 feature-map pass
 * where the kernels map as they stage) is not timed: it prints "none", its JSON median is null
 * (phase-report.ts). The forms' own timing is the bench CLI's.
 *   node linear-f16-probe.mjs [--json FILE] [--tokens 16384,65536] [--phase-tokens 65536]
 *                             [--budget-s 40]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createResidentAttention, runAttention } from '../gpu/attention.ts';
import { checkF16Linear } from '../gpu/forms/f16/accuracy.ts';
import { createLinearChunkedF16With, linearF16Unsupported } from '../gpu/forms/f16/linear-f16.ts';
import { createLinearChunkedWith } from '../gpu/forms/linear/chunked.ts';
import { FORM_FACTORIES } from '../gpu/forms/index.ts';
import type { FormFactory } from '../gpu/forms/form.ts';
import {
  createClockSettler,
  describeSettles,
  type ClockSettleResult,
} from '../gpu/clock-settle.ts';
import { countRun } from '../gpu/encoder-count.ts';
import { detectClock, measureWork } from '../gpu/timing.ts';
import { formatPhaseLine, phaseMs } from './phase-report.ts';
import { probeDevice } from './probe-device.ts';
import type { AttentionProblem, FeatureMap, ResidentAttention } from '../gpu/types.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    tokens: { type: 'string', default: '16384,65536' },
    'phase-tokens': { type: 'string', default: '65536' },
    'budget-s': { type: 'string', default: '40' },
    // A dry run where shader-f16 is missing (SwiftShader): f16 values in f32 storage.
    emulate: { type: 'boolean', default: false },
  },
});
const started = performance.now();
const budgetMs = Number(values['budget-s']) * 1000;
const left = () => budgetMs - (performance.now() - started);
const say = (line: string) => console.log(line);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const steps: Record<string, unknown>[] = [];

function random(n: number, signed: boolean): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = signed ? Math.random() * 2 - 1 : Math.random();
  return out;
}

function sampledRows(tokens: number, count: number): number[] {
  const rows = new Set<number>([0, 1, 63, 64, tokens - 1]);
  while (rows.size < count) rows.add(Math.floor(Math.random() * tokens));
  return [...rows].filter((r) => r < tokens).sort((a, b) => a - b);
}

const ready = await probeDevice(say);
const { errors } = ready;
const { device } = ready;
say(`adapter ${ready.info.name}; DAWN_FLAGS="${process.env.DAWN_FLAGS ?? ''}"`);
const emulate = values.emulate;
const storage = emulate ? 'f16-emulated' : 'f16';
const why = emulate ? null : linearF16Unsupported(device);
say(why ?? (emulate ? 'emulated: f16 values in f32 storage' : 'shader-f16: offered'));
let failed = why !== null;

async function verify(
  tokens: number,
  featureMap: FeatureMap,
  normalize: boolean,
  rows: number[] | undefined,
) {
  const heads = rows ? 1 : 2;
  const dim = 64;
  const chunkSize = 64;
  const step: Record<string, unknown> = { tokens, featureMap, normalize, heads, dim, chunkSize };
  steps.push(step);
  const what = `d=${dim} T=${tokens}${rows ? ` (${rows.length} rows)` : ''} ${featureMap}${normalize ? ' normalised' : ''}`;
  if (left() < 2000) {
    step.skipped = 'budget';
    say(`verify ${what}: skipped (budget)`);
    return;
  }
  try {
    const n = heads * tokens * dim;
    // Signed inputs except where the identity map is normalised (its denominator could vanish).
    const signed = featureMap !== 'identity' || !normalize;
    const problem: AttentionProblem = {
      heads,
      tokens,
      dim,
      q: random(n, signed),
      k: random(n, signed),
      v: random(n, true),
    };
    const options = { featureMap, normalize, chunkSize };
    const saved = FORM_FACTORIES['linear-chunked'];
    if (emulate) FORM_FACTORIES['linear-chunked'] = createLinearChunkedF16With(storage);
    const form = emulate ? 'linear-chunked' : 'linear-chunked-f16';
    const out = await runAttention(device, problem, { form, ...options }).finally(() => {
      FORM_FACTORIES['linear-chunked'] = saved;
    });
    const result = checkF16Linear(problem, options, out, rows);
    const ok = result.worstRatio <= 1 && result.nonFinite === 0;
    failed ||= !ok;
    Object.assign(step, result, { ok });
    say(
      `verify ${what}: max err ${result.maxError.toExponential(2)} (max |y| ${result.maxReference.toPrecision(3)}, ` +
        `relative ${(result.maxError / result.maxReference).toExponential(2)}), worst err/bound ` +
        `${result.worstRatio.toFixed(3)}${result.nonFinite ? `, ${result.nonFinite} non-finite` : ''} ${ok ? 'ok' : 'FAIL'}`,
    );
  } catch (e) {
    failed = true;
    step.error = message(e);
    say(`verify ${what}: ERROR ${message(e).slice(0, 600)}`);
  }
}

if (!why) {
  await verify(1000, 'softplus', true, undefined);
  await verify(1000, 'identity', false, undefined);
  for (const T of values.tokens.split(',').filter(Boolean).map(Number)) {
    await verify(T, 'softplus', true, sampledRows(T, 12));
    await verify(T, 'identity', false, sampledRows(T, 8));
  }
}
// Each phase of both forms timed alone (LinearChunkedTuning.phases: the phases left out do not
// run, so a phase reads stale buffers; its work is the same), residents made once and visited in
// turn, round by round. The prefix reads only the f32 chunk states: the same kernel in both forms.
const phases: Record<string, unknown>[] = [];
if (!why && left() > 6000) {
  const clockInfo = await detectClock(device);
  const T = Number(values['phase-tokens']);
  const heads = emulate ? 1 : 12;
  const shape = { heads, tokens: T, dim: 64 };
  const n = heads * T * 64;
  const inputs = [random(n, true), random(n, true), random(n, true)] as const;
  const variants: [string, FormFactory, FeatureMap, boolean][] = [];
  for (const [featureMap, normalize] of [
    ['softplus', true],
    ['identity', false],
  ] as const) {
    for (const phase of ['inputs', 'summaries', 'prefix', 'output', 'all'] as const) {
      const phaseList = phase === 'all' ? undefined : [phase];
      if (phase === 'prefix' && featureMap === 'identity') continue;
      const what = `${featureMap}${normalize ? ' + norm' : ''} ${phase}`;
      if (!(phase === 'inputs' && featureMap === 'identity')) {
        variants.push([
          `fp32 ${what}`,
          createLinearChunkedWith(phaseList ? { phases: phaseList } : {}),
          featureMap,
          normalize,
        ]);
      }
      variants.push([
        `f16 ${what}`,
        createLinearChunkedF16With(storage, phaseList ? { phases: phaseList } : {}),
        featureMap,
        normalize,
      ]);
    }
  }
  const residents: (ResidentAttention | null)[] = [];
  // Dispatches each variant encodes: 0 for a phase with no work, which is not timed.
  const dispatches: number[] = [];
  for (const [name, factory, featureMap, normalize] of variants) {
    const saved = FORM_FACTORIES['linear-chunked'];
    FORM_FACTORIES['linear-chunked'] = factory;
    try {
      const resident = await createResidentAttention(device, shape, {
        form: 'linear-chunked',
        featureMap,
        normalize,
        chunkSize: 64,
      });
      resident.write(...inputs);
      residents.push(resident);
      dispatches.push(countRun(device, resident).dispatches);
    } catch (e) {
      residents.push(null);
      dispatches.push(-1);
      say(`phase ${name}: ERROR ${message(e).slice(0, 300)}`);
    } finally {
      FORM_FACTORIES['linear-chunked'] = saved;
    }
  }
  // The GPU lowers its clocks while the CPU checks outputs: settle them before every measurement
  // (call A timed a pass alone without this at 2.6x its settled time).
  const settler = await createClockSettler(device, clockInfo);
  const settles: ClockSettleResult[] = [await settler.settle()];
  const perMeasure = Math.max(300, Math.min(1500, (left() - 6000) / (3 * variants.length)));
  for (let round = 0; round < 3; round++) {
    variants.forEach(([name]) => {
      phases.push({ round, name, tokens: T, heads, pending: true });
    });
    for (let v = 0; v < variants.length; v++) {
      const resident = residents[v];
      const entry = phases[phases.length - variants.length + v]!;
      delete entry.pending;
      if (dispatches[v] === 0) {
        Object.assign(entry, { medianMs: null, dispatches: 0 });
        continue;
      }
      if (!resident || left() < 2000) continue;
      settles.push(await settler.settle());
      const m = await measureWork(device, resident, {
        clockInfo,
        samples: 5,
        minSamples: 3,
        warmupRuns: round === 0 ? 2 : 1,
        budgetMs: perMeasure,
      });
      Object.assign(entry, { medianMs: phaseMs(m.medianMs), clock: m.clock });
    }
  }
  for (const r of residents) r?.destroy();
  settler.destroy();
  say(describeSettles(settles));
  // One line per variant: the median of its round medians and its range, or none.
  variants.forEach(([name], v) => {
    const roundsMs = phases.filter((p) => p.name === name).map((p) => p.medianMs as number | null);
    const line = formatPhaseLine(`phase T=${T} H=${heads} ${name}`, roundsMs, dispatches[v]!);
    if (line) say(line);
  });
}

await device.queue.onSubmittedWorkDone();
if (errors.length) say(`uncaptured errors: ${errors.join(' | ')}`);
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify({ date: new Date().toISOString(), why, steps, phases, errors }, null, 1),
  );
}
say(failed ? 'linear-f16-probe: FAILED' : 'linear-f16-probe: all within the bound');
process.exit(failed ? 1 : 0);
