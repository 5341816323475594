/**
 * linear-chunked-f16 on a GPU machine (issue 10): whether the device offers shader-f16 (Dawn
 * flags from DAWN_FLAGS, src/node/dawn.ts; on the H200:
 * enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia), then its outputs against the
 * float64 reference and the derived f16 bound (checkF16Linear, forms/f16/accuracy.ts): all rows at
 * T = 1,000, sampled rows at long T, softplus normalised and identity unnormalised, through
 * runAttention (outputs poisoned with NaN first). Timing is the bench CLI's (interleaved rounds).
 *   node linear-f16-probe.mjs [--json FILE] [--tokens 16384,65536] [--budget-s 40]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { acquireGpu } from '../gpu/device.ts';
import { runAttention } from '../gpu/attention.ts';
import { checkF16Linear } from '../gpu/forms/f16/accuracy.ts';
import { linearF16Unsupported } from '../gpu/forms/f16/linear-f16.ts';
import { getNodeGpu } from '../node/dawn.ts';
import type { AttentionProblem, FeatureMap } from '../gpu/types.ts';

const { values } = parseArgs({
  options: {
    json: { type: 'string' },
    tokens: { type: 'string', default: '16384,65536' },
    'budget-s': { type: 'string', default: '40' },
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
const why = linearF16Unsupported(device);
say(why ?? 'shader-f16: offered');
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
    const out = await runAttention(device, problem, { form: 'linear-chunked-f16', ...options });
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
await device.queue.onSubmittedWorkDone();
if (errors.length) say(`uncaptured errors: ${errors.join(' | ')}`);
if (values.json) {
  writeFileSync(
    values.json,
    JSON.stringify({ date: new Date().toISOString(), why, steps, errors }, null, 1),
  );
}
say(failed ? 'linear-f16-probe: FAILED' : 'linear-f16-probe: all within the bound');
process.exit(failed ? 1 : 0);
