import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adaptTraining } from '../../src/widgets/shared/training-dataset.ts';
import {
  FORM_MARKERS,
  TimingChartState,
} from '../../src/widgets/timing-chart/timing-chart-state.svelte.ts';
import {
  describeTraining,
  nativeTrainingKey,
  trainingChartSeries,
  trainingSkipped,
  trainingTableRows,
  type TrainingViewOptions,
} from '../../src/widgets/timing-chart/training-view.ts';

// Made-up numbers shaped like one call (written by make-training-data.mjs from the fixture files).
const fixture = adaptTraining(
  JSON.parse(
    readFileSync(resolve(import.meta.dirname, '../fixtures/training/training-h200.json'), 'utf8'),
  ),
)!;

const options = (extra: Partial<TrainingViewOptions> = {}): TrainingViewOptions => ({
  scope: 'attention',
  showOurs: true,
  showTorch: true,
  showBf16: true,
  showFla: true,
  hiddenForms: new Set(),
  ...extra,
});

describe("the timing chart's training view", () => {
  it("draws ours beside PyTorch's and fla's training steps, each point with its spread across rounds", () => {
    const series = trainingChartSeries(fixture, options(), FORM_MARKERS);
    expect(series.map((s) => s.id)).toEqual([
      'train:attention:softmax-flash',
      'train:attention:linear-chunked',
      'train:attention:gated-chunked',
      'native:attention:torch:softmax-sdpa:fp32',
      'native:attention:torch:softmax-sdpa:bf16',
      'native:attention:torch:linear-chunked-norm:fp32',
      'native:attention:fla:fla-chunk-norm:fp32',
      'native:attention:fla:fla-gla-chunk:fp32',
    ]);
    const ours = series.find((s) => s.id === 'train:attention:linear-chunked')!;
    expect(ours.points.map((p) => [p.x, p.y])).toEqual([
      [1024, 1.1],
      [4096, 1.5],
      [16384, 5.96],
      [65536, 25.5],
    ]);
    expect(ours.points[3]!.lo).toBeCloseTo(25.5 * 0.98, 9);
    expect(ours.points[3]!.hi).toBeCloseTo(25.5 * 1.04, 9);
    const sdpa = series.find((s) => s.id === 'native:attention:torch:softmax-sdpa:fp32')!;
    expect(sdpa.points.at(-1)!.y).toBeCloseTo(669, 9);
    expect(sdpa.points.at(-1)!.lo).toBeCloseTo(669 * 0.99, 9);
    expect(sdpa.points.at(-1)!.text).toMatch(/per training step \(NVIDIA H200; 3 rounds/);
    // The native series wear the colour of our form they compare with.
    expect(sdpa.color).toBe(series[0]!.color);
  });

  it('hides bf16, fla, PyTorch, ours, or one form with the native series compared with it', () => {
    const ids = (o: Partial<TrainingViewOptions>) =>
      trainingChartSeries(fixture, options(o), FORM_MARKERS).map((s) => s.id);
    expect(ids({ showBf16: false })).not.toContain('native:attention:torch:softmax-sdpa:bf16');
    expect(ids({ showFla: false }).some((id) => id.includes(':fla:'))).toBe(false);
    expect(ids({ showTorch: false }).filter((id) => id.includes(':torch:'))).toEqual([
      'native:attention:torch:softmax-sdpa:bf16',
    ]);
    expect(ids({ showOurs: false }).some((id) => id.startsWith('train:'))).toBe(false);
    const noSoftmax = ids({ hiddenForms: new Set(['softmax-flash']) });
    expect(noSoftmax.some((id) => id.includes('softmax'))).toBe(false);
    expect(noSoftmax).toContain('native:attention:fla:fla-chunk-norm:fp32');
  });

  it("shows the whole layer's steps, and the point our layer did not measure with its reason", () => {
    const o = options({ scope: 'layer' });
    const series = trainingChartSeries(fixture, o, FORM_MARKERS);
    expect(series.find((s) => s.id === 'train:layer:softmax-flash')!.points).toHaveLength(3);
    expect(series.some((s) => s.id === 'native:layer:fla:fla-chunk:fp32')).toBe(false);
    const skipped = trainingSkipped(fixture, o);
    expect(skipped.map((r) => [r.form, r.tokens])).toEqual([['softmax-flash', 65536]]);
    const rows = trainingTableRows(fixture, o);
    expect(rows).toContainEqual([
      'Softmax, tiled (flash)',
      'ours (WGSL, fp32)',
      '65,536',
      '–',
      '–',
      'skipped: predicted 1.66 s per run; the point budget is 3 s',
    ]);
  });

  it('states our time with the native fp32 baseline beside it, and bf16 and fla when shown', () => {
    const text = describeTraining(fixture, options());
    expect(text).toContain('forward + backward, no optimiser step');
    expect(text).toContain(
      "At 65,536 tokens our chunked linear attention (fp32, no tensor cores) takes 25.5 ms; PyTorch's fused softmax in fp32 takes 669 ms, the same chunked linear attention in eager PyTorch 9.2 ms, fused attention in bf16 on the tensor cores 52.9 ms, fla's chunked kernels (TF32) 4.8 ms.",
    );
    expect(describeTraining(fixture, options({ showBf16: false, showFla: false }))).not.toMatch(
      /bf16|fla/,
    );
    const layer = describeTraining(fixture, options({ scope: 'layer' }));
    expect(layer).toContain('of a whole pre-norm layer (dModel 768, MLP 3072)');
    expect(layer).toContain(
      "a layer with our chunked linear attention (fp32, no tensor cores) takes 200 ms; PyTorch's layer with fused softmax in fp32 takes 900 ms, with the same chunked linear attention in eager PyTorch 110 ms, in bf16 with fused attention on the tensor cores 70 ms, with fla's chunked kernels (TF32) 102 ms.",
    );
  });

  it("says in its key that PyTorch's steps include the host's kernel launches, as the data's note does", () => {
    const launches =
      "steps were launched from Python, so their times include the host's kernel launches.";
    expect(nativeTrainingKey(fixture)).toContain(`Diamonds: flash-linear-attention`);
    expect(nativeTrainingKey(fixture)).toContain(`PyTorch's and fla's ${launches}`);
    const noFla = { ...fixture, native: fixture.native.filter((n) => n.impl !== 'fla') };
    expect(nativeTrainingKey(noFla)).not.toContain('Diamonds');
    expect(nativeTrainingKey(noFla)).toContain(` PyTorch's ${launches}`);
    // The committed dataset's note says how its native steps were timed; the key must agree.
    const data = adaptTraining(
      JSON.parse(
        readFileSync(resolve(import.meta.dirname, '../../data/training-h200.json'), 'utf8'),
      ),
    )!;
    expect(data.note).toMatch(/from Python between two CUDA events \(host launches included\)/);
    expect(nativeTrainingKey(data)).toContain(launches);
  });

  it('switches view and scope from the configuration and from the reader', () => {
    const chart = new TimingChartState();
    chart.training = fixture;
    expect(chart.view).toBe('forward');
    const base = {
      minTokens: 128,
      maxTokens: 131072,
      heads: 12,
      dim: 64,
      chunkSize: 64,
      pointBudgetMs: 2000,
    };
    chart.configure({ ...base, view: 'training', trainingScope: 'layer' });
    expect(chart.view).toBe('training');
    expect(chart.trainingScope).toBe('layer');
    expect(chart.trainingSeries.some((s) => s.id === 'train:layer:linear-chunked')).toBe(true);
    expect(chart.trainingMarks).toHaveLength(1);
    chart.trainingScope = 'attention';
    chart.showFla = false;
    expect(chart.trainingSeries.some((s) => s.id.includes(':fla:'))).toBe(false);
    expect(chart.trainingSummary).toContain('of attention alone');
    chart.training = null;
    expect(chart.trainingSeries).toEqual([]);
    expect(chart.trainingSummary).toMatch(/no training-step data/);
  });
});
