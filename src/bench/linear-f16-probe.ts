/**
 * linear-chunked-f16 on a GPU machine (issue 10): whether the device offers shader-f16 (Dawn
 * flags from DAWN_FLAGS, src/node/dawn.ts; on the H200:
 * enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia), then its outputs against the
 * float64 reference and the derived f16 bound (checkF16Linear, forms/f16/accuracy.ts): all rows at
 * T = 1,000, sampled rows at long T, softplus normalised and identity unnormalised, through
 * runAttention (outputs poisoned with NaN first). Then the passes before the chunked kernels timed
 * alone at --phase-tokens (H = 12, d = 64), 3 interleaved rounds: the float32 form's feature-map
 * pass (softplus) and linear-chunked-f16's input pass (softplus, identity). The forms' own timing is
 * the bench CLI's (interleaved rounds).
 *   node linear-f16-probe.mjs [--json FILE] [--tokens 16384,65536] [--phase-tokens 65536]
 *                             [--budget-s 40]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { acquireGpu } from '../gpu/device.ts';
import { createResidentAttention, runAttention } from '../gpu/attention.ts';
import { checkF16Linear } from '../gpu/forms/f16/accuracy.ts';
import {
  createLinearChunkedF16With,
  f16ChunkedInputs,
  linearF16Unsupported,
} from '../gpu/forms/f16/linear-f16.ts';
import { FORM_FACTORIES } from '../gpu/forms/index.ts';
import { passTimestamps, type FormFactory } from '../gpu/forms/form.ts';
import { encodeDispatches, mapFeatures, type PlannedDispatch } from '../gpu/forms/linear/common.ts';
import { detectClock, measureWork } from '../gpu/timing.ts';
import { getNodeGpu } from '../node/dawn.ts';
import type { AttentionProblem, FeatureMap } from '../gpu/types.ts';

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

const nodeGpu = await getNodeGpu();
if (nodeGpu.kind !== 'ready') {
  say(`no GPU: ${nodeGpu.reason}`);
  process.exit(1);
}
const errors: string[] = [];
const ready = await acquireGpu({
  gpu: nodeGpu.gpu,
  onUncapturedError: (m) => errors.push(m.slice(0, 400)),
});
if (ready.kind !== 'ready') {
  say(`no device: ${ready.reason}`);
  process.exit(1);
}
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
/** A factory standing in for linear-chunked that encodes only the pass before its kernels. */
function passOnly(kind: 'f32' | 'f16'): FormFactory {
  return (ctx) => {
    const dispatches: PlannedDispatch[] =
      kind === 'f16'
        ? f16ChunkedInputs(storage).prepare(ctx).dispatches
        : mapFeatures(ctx).dispatches;
    return {
      encode(encoder, timestamps) {
        encodeDispatches(
          encoder,
          `${ctx.label} pass`,
          dispatches,
          passTimestamps(timestamps, 0, 1),
        );
      },
    };
  };
}

const phases: Record<string, unknown>[] = [];
if (!why && left() > 6000) {
  const clockInfo = await detectClock(device);
  const T = Number(values['phase-tokens']);
  const heads = emulate ? 1 : 12;
  const shape = { heads, tokens: T, dim: 64 };
  const variants: [string, 'f32' | 'f16', FeatureMap][] = [
    ['f32 feature-map pass, softplus (phi(q), phi(k))', 'f32', 'softplus'],
    ['f16 input pass, softplus (phi(q), phi(k), v)', 'f16', 'softplus'],
    ['f16 input pass, identity (q, k, v)', 'f16', 'identity'],
  ];
  for (let round = 0; round < 3; round++) {
    for (const [name, kind, featureMap] of variants) {
      if (left() < 3000) break;
      const saved = FORM_FACTORIES['linear-chunked'];
      FORM_FACTORIES['linear-chunked'] = passOnly(kind);
      try {
        const resident = await createResidentAttention(device, shape, {
          form: 'linear-chunked',
          featureMap,
          normalize: true,
          chunkSize: 64,
        });
        const n = heads * T * 64;
        resident.write(random(n, true), random(n, true), random(n, true));
        const m = await measureWork(device, resident, {
          clockInfo,
          samples: 5,
          minSamples: 3,
          warmupRuns: 2,
          budgetMs: Math.min(3000, left() - 2000),
        });
        resident.destroy();
        phases.push({ round, name, tokens: T, medianMs: m.medianMs, clock: clockInfo.clock });
        say(`phase round ${round} T=${T} ${name}: ${(m.medianMs * 1000).toFixed(1)} us`);
      } catch (e) {
        say(`phase ${name}: ERROR ${message(e).slice(0, 300)}`);
      } finally {
        FORM_FACTORIES['linear-chunked'] = saved;
      }
    }
  }
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
