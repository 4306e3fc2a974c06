import { loadBinding, nativeDir } from '../native/loadBinding.js';

/** One compute device llama.cpp can use (from the ggml backends loaded beside the addon). */
export interface DeviceInfo {
  /** ggml device name, e.g. "CPU", "CUDA0", "Vulkan0". */
  name: string;
  description: string;
  /** Backend registry name, e.g. "CPU", "CUDA", "Vulkan", "Metal". */
  backend: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  memoryFreeBytes: number;
  memoryTotalBytes: number;
}

/**
 * Every device of every loaded ggml backend (the best CPU variant and any GPU backend found beside the addon).
 *
 * @example
 * for (const d of listDevices()) console.log(d.backend, d.name, d.description)
 */
export function listDevices(): DeviceInfo[] {
  return loadBinding()
    .listDevices()
    .map((d) => ({ name: d.name, description: d.description, backend: d.backend, type: d.type, memoryFreeBytes: d.memoryFree, memoryTotalBytes: d.memoryTotal }));
}

/** What the native runtime supports and where it was loaded from. */
export interface SystemInfo {
  /** llama.cpp's own feature line ("CPU : SSE3 = 1 | AVX2 = 1 | ..."). */
  llamaSystemInfo: string;
  /** Folder holding onramp.node and the llama.cpp libraries. */
  nativeDir: string;
  gpuOffload: boolean;
  mmap: boolean;
  mlock: boolean;
  devices: DeviceInfo[];
}

/**
 * Runtime capabilities for `onramp inspect --devices` and diagnostics.
 *
 * @example
 * const s = systemInfo()
 * if (!s.gpuOffload) console.log('CPU only:', s.llamaSystemInfo)
 */
export function systemInfo(): SystemInfo {
  const addon = loadBinding();
  return {
    llamaSystemInfo: addon.systemInfo().trim(),
    nativeDir,
    gpuOffload: addon.supportsGpuOffload(),
    mmap: addon.supportsMmap(),
    mlock: addon.supportsMlock(),
    devices: listDevices(),
  };
}
