/**
 * A stand-in for the attention forms in the sweep tests: a ResidentAttention whose run is the
 * timing spin kernel, with a cost that grows like the form it pretends to be (T^2 for softmax,
 * T for linear). It counts writes so tests can see the rotation, and destroys like the real one.
 */
import { isSoftmaxForm } from '../../src/gpu/forms/registry.ts';
import { createSpinWork } from '../../src/gpu/timing-spin.ts';
import {
  resolveOptions,
  type AttentionOptions,
  type AttentionShape,
  type ResidentAttention,
} from '../../src/gpu/types.ts';

export interface FakeLog {
  created: string[];
  destroyed: string[];
  writes: number;
}

export function createFakeFactory(log: FakeLog) {
  return (device: GPUDevice, shape: AttentionShape, options: AttentionOptions) => {
    const resolved = resolveOptions(options);
    const iterations = isSoftmaxForm(options.form)
      ? Math.ceil((shape.tokens * shape.tokens) / 4096)
      : Math.ceil(shape.tokens / 8);
    const spin = createSpinWork(device, { elements: 256, iterations });
    const label = `fake/${options.form} T=${shape.tokens} c=${resolved.chunkSize}`;
    log.created.push(label);
    let destroyed = false;
    const resident: ResidentAttention = {
      label,
      flops: spin.flops,
      shape,
      options: resolved,
      encode: (encoder, timestamps) => spin.encode(encoder, timestamps),
      write(q, k, v) {
        const n = shape.heads * shape.tokens * shape.dim;
        if (q.length !== n || k.length !== n || v.length !== n) throw new Error('wrong size');
        log.writes++;
      },
      async run() {
        const encoder = device.createCommandEncoder();
        spin.encode(encoder);
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
      },
      async read() {
        return new Float32Array(shape.heads * shape.tokens * shape.dim);
      },
      destroy() {
        if (destroyed) return;
        destroyed = true;
        spin.destroy();
        log.destroyed.push(label);
      },
    };
    return resident;
  };
}
