/**
 * The GPU device of a one-off probe (f16-probe, linear-f16-probe): Dawn loaded, a device acquired
 * with its uncaptured errors collected, or the process ends with a sentence saying why not.
 */
import { acquireGpu, type GpuReady } from '../gpu/device.ts';
import { getNodeGpu, type NodeGpu } from '../node/dawn.ts';

/** Dawn's GPU object, held for the life of the process: Dawn aborts if it is garbage-collected. */
const held: NodeGpu[] = [];

export async function probeDevice(
  say: (line: string) => void,
): Promise<GpuReady & { errors: string[] }> {
  const nodeGpu = await getNodeGpu();
  if (nodeGpu.kind !== 'ready') {
    say(`no GPU: ${nodeGpu.reason}`);
    process.exit(1);
  }
  held.push(nodeGpu);
  const errors: string[] = [];
  const ready = await acquireGpu({
    gpu: nodeGpu.gpu,
    onUncapturedError: (m) => errors.push(m.slice(0, 400)),
  });
  if (ready.kind !== 'ready') {
    say(`no device: ${ready.reason}`);
    process.exit(1);
  }
  return { ...ready, errors };
}
