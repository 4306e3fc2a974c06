/**
 * The whole C++ surface, typed by hand, in one file. Only src/engine imports this.
 * C++ validates nothing beyond types: every option is checked in TS before it gets here.
 */

export interface AddonDevice {
  name: string;
  description: string;
  backend: string;
  type: 'cpu' | 'gpu' | 'igpu' | 'accel';
  memoryFree: number;
  memoryTotal: number;
}

export interface AddonModelOptions {
  gpuLayers?: number;
  useMmap?: boolean;
  useMlock?: boolean;
  vocabOnly?: boolean;
  checkTensors?: boolean;
  overrides?: { key: string; type: 'int' | 'float' | 'bool' | 'str'; value: number | boolean | string }[];
}

export interface AddonModelInfo {
  description: string;
  /** general.architecture ('' when missing). */
  architecture: string;
  /** general.name ('' when missing). */
  name: string;
  /** llama_ftype number (see src/engine/quantize.ts FTYPES). */
  ftype: number;
  parameters: number;
  size: number;
  nCtxTrain: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  nHeadKv: number;
  vocabSize: number;
  hasEncoder: boolean;
  hasDecoder: boolean;
  isRecurrent: boolean;
  specialTokens: { bos: number | null; eos: number | null; eot: number | null; sep: number | null; nl: number | null; pad: number | null };
  addBos: boolean;
  addEos: boolean;
  chatTemplate: string | null;
}

export interface AddonModel {
  load(onProgress?: (progress: number) => void): Promise<void>;
  abortLoad(): void;
  dispose(): void;
  tokenize(text: string, addSpecial: boolean, parseSpecial: boolean): Uint32Array;
  detokenize(tokens: Uint32Array | number[], special: boolean): string;
  tokenPiece(token: number, special: boolean): Buffer;
  info(): AddonModelInfo;
  metadata(): Record<string, string>;
  /** Jinja (llama.cpp common_chat_templates; ChatML when the model has none), then the built-in fallback; throws CHAT_TEMPLATE. */
  applyChatTemplate(messages: { role: string; content: string }[], addAssistant: boolean, template?: string): string;
}

export interface AddonBinding {
  init(libDir: string): void;
  setLogLevel(level: number): void;
  listDevices(): AddonDevice[];
  systemInfo(): string;
  supportsGpuOffload(): boolean;
  supportsMmap(): boolean;
  supportsMlock(): boolean;
  AddonModel: new (path: string, options: AddonModelOptions) => AddonModel;
  /** llama_model_quantize on a worker thread; rejects with code QUANTIZE. */
  quantize(input: string, output: string, options: AddonQuantizeOptions, onProgress?: (p: AddonQuantizeProgress) => void): Promise<void>;
}

export interface AddonQuantizeOptions {
  /** llama_ftype number. */
  ftype: number;
  /** <= 0: all hardware threads. */
  threads?: number;
  /** Layer (block) indices to drop. */
  pruneLayers?: number[];
  allowRequantize?: boolean;
  pure?: boolean;
  quantizeOutputTensor?: boolean;
}

/** Derived from llama.cpp's per-tensor log lines: `done` of `total` tensors written. */
export interface AddonQuantizeProgress {
  done: number;
  total: number;
  tensor: string;
}
