import { describe, expect, it } from 'vitest';
import { gpu, readyDevice } from './setup.ts';
import { countingDevice } from './counting-device.ts';
import { checkLayerGradients } from '../../src/bench/verify-layer.ts';
import { CapacityError } from '../../src/gpu/errors.ts';
import { createMaterialisedAttention } from '../../src/gpu/train/attention.ts';
import {
  createLayerTraining,
  layerCapacityReason,
  layerFlops,
  resolveLayerConfig,
} from '../../src/gpu/train/layer.ts';
import type { BlockConfig } from '../../src/gpu/train/block.ts';

// Small layers: 2 heads of 16 (the fast kernels' smallest head), MLP 48; T = 70 is one chunk of
// 64 and a partial one; batch 2 puts two sequences through the layout moves.
const small = (partial: Partial<BlockConfig> & Pick<BlockConfig, 'form'>): BlockConfig =>
  resolveLayerConfig({ tokens: 70, dModel: 32, heads: 2, mlp: 48, ...partial });

const cases: [string, BlockConfig][] = [
  ['softmax', small({ form: 'softmax' })],
  ['linear (elu + 1, normalised), 2 sequences', small({ form: 'linear', batch: 2 })],
  ['gated (softplus, normalised)', small({ form: 'gated', featureMap: 'softplus' })],
];

describe.skipIf(!gpu)("one layer's training step", () => {
  for (const [name, config] of cases) {
    it(`has its output, dL/dx and every parameter's gradient within 1e-4 of the float64 block: ${name}, fast attention`, async () => {
      const { device } = await readyDevice();
      const check = await checkLayerGradients(device, config);
      console.log(`train layer ${name}: worst ${check.worst.toExponential(2)}`);
      expect(check.error).toBeNull();
      // y, dx and 10 parameter tensors (12 gated: the decay gate's weight and bias).
      expect(Object.keys(check.errors).length).toBe(config.form === 'gated' ? 14 : 12);
      for (const [tensor, error] of Object.entries(check.errors)) {
        expect(error, tensor).toBeLessThan(1e-4);
      }
      device.destroy();
    });
  }

  it('gives the same gradients with the materialised attention op (softmax, T = 20)', async () => {
    const { device } = await readyDevice();
    const check = await checkLayerGradients(device, small({ form: 'softmax', tokens: 20 }), {
      attention: createMaterialisedAttention,
    });
    expect(check.error).toBeNull();
    expect(check.worst).toBeLessThan(1e-4);
    device.destroy();
  });

  it('refuses a layer that cannot fit with a sentence, before creating any buffer', async () => {
    const { device } = await readyDevice();
    const config = resolveLayerConfig({ form: 'softmax', tokens: 2 ** 20 });
    const reason = layerCapacityReason(config, device.limits);
    expect(reason).toMatch(/^needs [\d.]+ GiB in one buffer; this device allows/);
    const counting = countingDevice(device);
    expect(() => createLayerTraining(counting.device, config)).toThrow(CapacityError);
    expect(() => createLayerTraining(counting.device, config)).toThrow(
      /^train\/layer softmax D=768 H=12 M=3072 T=1048576 B=1 needs [\d.]+ GiB in one buffer/,
    );
    expect(counting.created.length).toBe(0);
    device.destroy();
  });
});

describe("a layer's FLOPs", () => {
  it('are three times the forward: products 2 T (4 D^2 + 2 D M) plus attention', () => {
    const config = resolveLayerConfig({ form: 'linear', tokens: 4096 });
    const products = 2 * 4096 * (4 * 768 * 768 + 2 * 768 * 3072);
    const flops = layerFlops(config);
    expect(flops).toBeGreaterThan(3 * products);
    expect(flops).toBeLessThan(3 * products * 1.5);
  });
});
