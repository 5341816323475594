/**
 * Node only: a WebGPU `GPU` object from Dawn (npm `webgpu`), for tests and command-line tools.
 *
 * Order of preference: a Vulkan driver the user already chose (VK_ICD_FILENAMES / VK_DRIVER_FILES),
 * a real GPU's driver, then Chromium's SwiftShader (a CPU emulation: right for correctness, wrong
 * for speed). If none exists the result says why, and GPU tests skip with that sentence.
 */
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';

export type NodeGpu =
  { kind: 'ready'; gpu: GPU; driver: string } | { kind: 'unavailable'; reason: string };

/** Where Debian and other distributions put Chromium's SwiftShader Vulkan driver. */
export const SWIFTSHADER_ICDS = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/**
 * A real GPU's presence, judged by its device node: an installed driver manifest alone proves
 * nothing (Mesa installs manifests for hardware the machine may not have).
 */
export function findHardwareGpu(): string | null {
  if (existsSync('/dev/nvidia0')) return 'NVIDIA driver (/dev/nvidia0)';
  if (existsSync('/dev/dri')) {
    const node = readdirSync('/dev/dri').find((f) => f.startsWith('renderD'));
    if (node) return `system Vulkan driver (/dev/dri/${node})`;
  }
  return null;
}

/** Chooses a Vulkan driver, points the loader at it, and loads Dawn. */
export async function getNodeGpu(): Promise<NodeGpu> {
  // The Vulkan loader warns on every start without it.
  process.env.XDG_RUNTIME_DIR ??= tmpdir();
  let driver: string;
  const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  const forceCpu = process.env.LA_GPU === 'swiftshader';
  const hardware = forceCpu ? null : findHardwareGpu();
  if (chosen && !forceCpu) {
    driver = chosen;
  } else if (hardware) {
    driver = hardware;
  } else {
    const swiftshader =
      [process.env.SWIFTSHADER_ICD ?? '', ...SWIFTSHADER_ICDS].find((p) => p && existsSync(p)) ??
      null;
    if (!swiftshader) {
      return {
        kind: 'unavailable',
        reason:
          'No GPU driver and no SwiftShader found: install Chromium (Debian/Ubuntu: ' +
          'apt-get install chromium) or set VK_ICD_FILENAMES to a Vulkan driver manifest.',
      };
    }
    process.env.VK_ICD_FILENAMES = swiftshader;
    driver = swiftshader;
  }
  let webgpu: typeof import('webgpu');
  try {
    webgpu = await import('webgpu');
  } catch (error) {
    return {
      kind: 'unavailable',
      reason: `Dawn (npm package "webgpu") could not be loaded: ${String(error)}`,
    };
  }
  Object.assign(globalThis, webgpu.globals);
  // DAWN_FLAGS: Dawn's own options, space-separated (e.g. "enable-dawn-features=disable_robustness"),
  // for experiments on a measuring machine; none by default, as in a browser.
  const flags = (process.env.DAWN_FLAGS ?? '').split(' ').filter(Boolean);
  return { kind: 'ready', gpu: webgpu.create(flags), driver };
}
