import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResidentAttention } from '../../src/gpu/attention.ts';
import {
  createFloorWork,
  floorWorkSpecs,
  measureDispatchFloor,
} from '../../src/gpu/dispatch-floor.ts';
import { countRun, countingEncoder } from '../../src/gpu/encoder-count.ts';
import { gridFor, MAX_WORKGROUPS_PER_DISPATCH } from '../../src/gpu/dispatch.ts';
import {
  linearRecurrentConstants,
  planLinearRecurrent,
} from '../../src/gpu/forms/linear/recurrent.ts';
import { submitAndRead } from '../../src/gpu/readback.ts';
import { detectClock } from '../../src/gpu/timing.ts';
import { resolveOptions, type FeatureMap } from '../../src/gpu/types.ts';
import { runBench } from './run-bench.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

describe.skipIf(!gpu)('the dispatch-floor probe and the encoder counter', () => {
  let device: GPUDevice;
  beforeAll(async () => {
    device = (await readyDevice()).device;
  });
  afterAll(() => device?.destroy());

  it.each(['softplus', 'identity'] as FeatureMap[])(
    'counts linear-recurrent (%s) at T = 40,000 as its plan: one pass, a dispatch per 16,384-token span, the feature-map pass first',
    async (featureMap) => {
      const shape = { heads: 1, tokens: 40_000, dim: 16 };
      const options = resolveOptions({ form: 'linear-recurrent', featureMap });
      const resident = await createResidentAttention(device, shape, options);
      try {
        const constants = linearRecurrentConstants(
          shape.dim,
          options,
          device.limits.maxComputeWorkgroupStorageSize,
        );
        const plan = planLinearRecurrent(shape, constants);
        // The map pass (mapFeatures) covers H T d / 4 vec4s in workgroups of 256.
        const mapped = featureMap !== 'identity';
        const [mx, my] = gridFor(
          Math.ceil((shape.heads * shape.tokens * shape.dim) / 4 / 256),
          MAX_WORKGROUPS_PER_DISPATCH,
        );
        expect(plan).toHaveLength(3);
        expect(countRun(device, resident)).toEqual({
          passes: 1,
          dispatches: plan.length + (mapped ? 1 : 0),
          workgroups: plan.reduce((n, p) => n + p.count, 0) + (mapped ? mx * my : 0),
          indirect: 0,
          copies: 0,
        });
      } finally {
        resident.destroy();
      }
    },
  );

  it('counts the probe works as named, with timestamps adding no pass, and passes every call on', async () => {
    const expected: Record<string, [number, number, number]> = {
      'empty-pass': [1, 0, 0],
      'dispatch-1wg': [1, 1, 1],
      'dispatch-wide': [1, 1, 37],
      'dependent-4': [1, 4, 4],
      'independent-8': [1, 8, 8],
      'passes-4': [4, 4, 4],
    };
    for (const spec of floorWorkSpecs(37).filter((s) => s.name in expected)) {
      const work = createFloorWork(device, spec);
      try {
        const c = countRun(device, work);
        expect([c.passes, c.dispatches, c.workgroups], spec.name).toEqual(expected[spec.name]);
        const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
        const real = device.createCommandEncoder();
        const counted = countingEncoder(real);
        work.encode(counted.encoder, { querySet, beginIndex: 0, endIndex: 1 });
        counted.encoder.clearBuffer(work.buffers[0]!);
        real.finish();
        querySet.destroy();
        expect(counted.count.passes, spec.name).toBe(c.passes);
        expect(counted.count.copies, spec.name).toBe(1);
      } finally {
        work.destroy();
      }
    }
  });

  it('adds one per dispatch to the buffer each dispatch is given', async () => {
    const read = async (buffer: GPUBuffer): Promise<Float32Array> => {
      const staging = device.createBuffer({
        size: buffer.size,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      });
      try {
        return await submitAndRead(
          device,
          device.createCommandEncoder(),
          buffer,
          staging,
          buffer.size,
        );
      } finally {
        staging.destroy();
      }
    };
    const specs = floorWorkSpecs(3);
    for (const [name, added] of [
      ['dependent-4', 4],
      ['passes-8', 8],
      ['independent-4', 1],
      ['dispatch-wide', 1],
      ['empty-pass', 0],
    ] as const) {
      const work = createFloorWork(
        device,
        specs.find((s) => s.name === name)!,
      );
      try {
        const before = [];
        for (const buffer of work.buffers) {
          const values = randomArray(buffer.size / 4);
          device.queue.writeBuffer(buffer, 0, values);
          before.push(values);
        }
        expect(work.buffers).toHaveLength(name === 'independent-4' ? 4 : 1);
        const encoder = device.createCommandEncoder();
        work.encode(encoder);
        device.queue.submit([encoder.finish()]);
        for (const [b, buffer] of work.buffers.entries()) {
          const after = await read(buffer);
          const expected = before[b]!.map((x) => x + added);
          for (let i = 0; i < after.length; i++) {
            expect(after[i], `${name} buffer ${b} element ${i}`).toBeCloseTo(expected[i]!, 5);
          }
        }
      } finally {
        work.destroy();
      }
    }
  });

  it('measures every work in two rounds: finite positive times (the empty pass may read zero)', async () => {
    const clockInfo = await detectClock(device);
    const seen: string[] = [];
    const ms = await measureDispatchFloor(device, {
      clockInfo,
      rounds: 2,
      samples: 2,
      budgetMs: 150,
      wideWorkgroups: 64,
      onMeasured: (spec, round) => seen.push(`${round}:${spec.name}`),
    });
    expect(ms).toHaveLength(12);
    // Round 1 starts one work later (the order rotates).
    expect(seen[0]).toBe('0:empty-pass');
    expect(seen[12]).toBe('1:dispatch-1wg');
    for (const m of ms) {
      expect(m.medianMs, m.spec.name).not.toBeNull();
      expect(Number.isFinite(m.medianMs), m.spec.name).toBe(true);
      expect(m.roundsMs, m.spec.name).toHaveLength(2);
      if (m.spec.name === 'empty-pass' && m.medianMs === 0) {
        expect(m.boundMs).toBeGreaterThan(0);
        continue;
      }
      expect(m.medianMs!, m.spec.name).toBeGreaterThan(0);
      expect(m.repetitions, m.spec.name).toBeGreaterThanOrEqual(1);
      expect(m.minMs!).toBeLessThanOrEqual(m.medianMs!);
      expect(m.maxMs!).toBeGreaterThanOrEqual(m.medianMs!);
    }
  });

  it('starts no round past the total budget, and always runs the first', async () => {
    const clockInfo = await detectClock(device);
    const ms = await measureDispatchFloor(device, {
      clockInfo,
      rounds: 3,
      samples: 1,
      budgetMs: 50,
      wideWorkgroups: 8,
      totalBudgetMs: 1,
    });
    for (const m of ms) expect(m.roundsMs, m.spec.name).toHaveLength(1);
  });
});

describe.skipIf(!gpu)('npm run bench -- --dispatch-floor', () => {
  it('prints the probe table, the derived costs and the counts, and writes its JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dispatch-floor-'));
    const json = join(dir, 'floor.json');
    const args = [
      '--dispatch-floor',
      '--rounds',
      '1',
      '--samples',
      '2',
      '--budget-ms',
      '150',
      '--forms',
      'linear-recurrent,softmax-flash',
      '--tokens',
      '64,300',
      '--heads',
      '2',
      '--dim',
      '16',
      '--json',
      json,
    ];
    const { code, stdout, stderr } = await runBench(args);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^work\s+passes\s+dispatches\s+workgroups\s+median\s+min-max/m);
    expect(stdout).toMatch(/^passes-8\s+8\s+8\s+8\s/m);
    expect(stdout).toMatch(
      /^per extra dependent dispatch \(same buffer, barrier\): -?[\d.]+ [um]s/m,
    );
    expect(stdout).toMatch(/^forward\s+linear-recurrent\s+300\s+1\s+2\s/m);
    expect(stdout).toMatch(/^decode\s+state\s+64\s+1\s+1\s/m);
    const out = JSON.parse(readFileSync(json, 'utf8')) as {
      format: string;
      works: { name: string; medianMs: number | null }[];
      derived: { perPass: { slope: number } | null };
      runs: { task: string; form: string; tokens: number; dispatches: number | null }[];
    };
    expect(out.format).toBe('linear-attention-live/dispatch-floor');
    expect(out.works.map((w) => w.name)).toContain('independent-8');
    expect(out.works.every((w) => w.medianMs !== null)).toBe(true);
    expect(Number.isFinite(out.derived.perPass?.slope)).toBe(true);
    // Two forms and three decode kinds at two lengths.
    expect(out.runs).toHaveLength(10);
    expect(out.runs.every((r) => r.dispatches !== null && r.dispatches >= 1)).toBe(true);
  });
});
