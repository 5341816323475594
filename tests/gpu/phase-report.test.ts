/**
 * The phase probe's empty phase on the real form (linear-f16-probe.ts counts it with
 * encoder-count.ts's countRun; phase-report.ts then prints "none"):
 * linear-chunked built with only its feature-map phase encodes no dispatch where the whole-tile
 * kernel maps features as it stages, one where the sliced kernel needs the pass, none for the
 * identity map: as the cost model decides for this device (on SwiftShader's 32 KiB: none at d = 32,
 * c = 64, one at d = 64).
 */
import { describe, expect, it } from 'vitest';
import { createResidentAttention } from '../../src/gpu/attention.ts';
import { countRun } from '../../src/gpu/encoder-count.ts';
import { chunkedRunsFeatureMapPass } from '../../src/gpu/forms/form-costs.ts';
import { FORM_FACTORIES } from '../../src/gpu/forms/index.ts';
import { createLinearChunkedWith } from '../../src/gpu/forms/linear/chunked.ts';
import type { FeatureMap } from '../../src/gpu/types.ts';
import { gpu, readyDevice } from './setup.ts';

describe.skipIf(!gpu)("the phase probe's feature-map phase", async () => {
  const device = gpu ? (await readyDevice()).device : (null as unknown as GPUDevice);

  // Where the cost model says the pass runs (form-costs.ts), given this device's workgroup memory.
  const cases: [number, FeatureMap][] = [
    [32, 'softplus'],
    [64, 'softplus'],
    [64, 'identity'],
  ];

  it.each(cases)('d=%i %s', async (dim, featureMap) => {
    const workgroupStorageBytes = device.limits.maxComputeWorkgroupStorageSize;
    const runs = chunkedRunsFeatureMapPass(dim, {
      featureMap,
      chunkSize: 64,
      workgroupStorageBytes,
    });
    const saved = FORM_FACTORIES['linear-chunked'];
    FORM_FACTORIES['linear-chunked'] = createLinearChunkedWith({ phases: ['inputs'] });
    const resident = await createResidentAttention(
      device,
      { heads: 2, tokens: 64 + Math.floor(Math.random() * 200), dim },
      { form: 'linear-chunked', featureMap, normalize: true, chunkSize: 64 },
    ).finally(() => {
      FORM_FACTORIES['linear-chunked'] = saved;
    });
    try {
      expect(countRun(device, resident).dispatches).toBe(runs ? 1 : 0);
    } finally {
      resident.destroy();
    }
  });
});
