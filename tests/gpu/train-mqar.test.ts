import { describe, expect, it } from 'vitest';
import { gpu, readyDevice } from './setup.ts';
import { TRAIN_FORMS } from '../../src/gpu/train/config.ts';
import { trainMqar } from '../../src/gpu/train/run.ts';

const mean = (values: readonly number[]): number =>
  values.reduce((s, x) => s + x, 0) / values.length;

// A small model and task that SwiftShader trains in about a minute per form: 4 pairs of 8 keys
// and 8 values (T = 16), 2 layers of width 32. At first the loss is about ln(17) or more; knowing
// only which tokens are values gives ln(8) = 2.08; below that the model recalls.
const STEPS = 60;

describe.skipIf(!gpu)('training on MQAR', () => {
  for (const form of TRAIN_FORMS) {
    it(`lowers the ${form} model's loss by a fifth, and below ln(8), within ${STEPS} steps (means of the last and first 10)`, async () => {
      const { device } = await readyDevice();
      const curve = await trainMqar(device, {
        model: { form, dModel: 32, heads: 2, layers: 2, batch: 16 },
        task: { pairs: 4, keys: 8, values: 8 },
        steps: STEPS,
        seed: 3,
        optimizer: { learningRate: 1e-2 },
      });
      const first = mean(curve.loss.slice(0, 10));
      const last = mean(curve.loss.slice(-10));
      console.log(
        `MQAR ${form}: loss ${first.toFixed(3)} -> ${last.toFixed(3)}, recall ` +
          `${(100 * mean(curve.accuracy.slice(-10))).toFixed(1)}% (${curve.seconds.toFixed(0)} s)`,
      );
      expect(curve.loss.every(Number.isFinite)).toBe(true);
      expect(last).toBeLessThan(0.8 * first);
      // Below what knowing only which tokens are values gives: the model recalls some pairs.
      expect(last).toBeLessThan(Math.log(8));
      device.destroy();
    });
  }
});
