import { afterAll, describe, expect, it } from 'vitest';
import { acquireGpu, RAISED_LIMITS, type GpuLost } from '../../src/gpu/device.ts';
import { addVectors } from '../../src/gpu/vector-add.ts';
import { gpu, randomArray, readyDevice } from './setup.ts';

describe.skipIf(!gpu)('WebGPU through Dawn in Node', () => {
  const devices: GPUDevice[] = [];
  afterAll(() => devices.forEach((d) => d.destroy()));

  it('adds two random vectors exactly as the CPU does', async () => {
    const { device } = await readyDevice();
    devices.push(device);
    const n = 10_007;
    const a = randomArray(n);
    const b = randomArray(n, 100);
    const out = await addVectors(device, a, b);
    expect(out.length).toBe(n);
    for (let i = 0; i < n; i++) {
      if (out[i] !== Math.fround(a[i]! + b[i]!)) {
        throw new Error(`element ${i}: GPU ${out[i]} vs CPU ${Math.fround(a[i]! + b[i]!)}`);
      }
    }
  });

  it('requests exactly the limits the adapter offers', async () => {
    const ready = await readyDevice();
    devices.push(ready.device);
    for (const name of RAISED_LIMITS) {
      expect(ready.device.limits[name], name).toBe(ready.adapter.limits[name]);
      expect(ready.limits[name], name).toBe(ready.adapter.limits[name]);
    }
    for (const feature of ['timestamp-query', 'subgroups']) {
      expect(ready.device.features.has(feature)).toBe(ready.adapter.features.has(feature));
    }
  });

  it('reports a device destroyed on purpose as lost, with a reason', async () => {
    let lost: GpuLost | null = null;
    const outcome = await acquireGpu({
      gpu: gpu!,
      onLost: (l) => {
        lost = l;
      },
    });
    if (outcome.kind !== 'ready') throw new Error(outcome.reason);
    outcome.device.destroy();
    await outcome.device.lost;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lost).not.toBeNull();
    expect(lost!.cause).toBe('destroyed');
    expect(lost!.reason).toBe('The GPU device was destroyed.');
  });

  it('says why when there is no GPU entry point at all', async () => {
    const outcome = await acquireGpu({ gpu: null });
    expect(outcome.kind).toBe('unsupported');
    if (outcome.kind === 'unsupported') {
      expect(outcome.cause).toBe('no-navigator-gpu');
      expect(outcome.reason).toMatch(/WebGPU/);
    }
  });

  it('says why when the adapter is null', async () => {
    const fake = { requestAdapter: async () => null } as unknown as GPU;
    const outcome = await acquireGpu({ gpu: fake });
    expect(outcome).toMatchObject({ kind: 'unsupported', cause: 'no-adapter' });
  });

  it('says why when requestDevice fails', async () => {
    const adapter = await gpu!.requestAdapter();
    const failing = new Proxy(adapter!, {
      get(target, prop) {
        if (prop === 'requestDevice')
          return async () => Promise.reject(new Error('out of devices'));
        const value = Reflect.get(target, prop, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const fake = { requestAdapter: async () => failing } as unknown as GPU;
    const outcome = await acquireGpu({ gpu: fake });
    expect(outcome).toMatchObject({ kind: 'unsupported', cause: 'request-device-failed' });
    if (outcome.kind === 'unsupported') expect(outcome.reason).toMatch(/out of devices/);
  });
});
