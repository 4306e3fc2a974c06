/**
 * The public library API of onramp. Everything a Node app needs is exported from here, nothing else.
 */
export * from './errors.js';
export type * from './engine/types.js';
export * from './gguf/index.js';
export { Model, type ModelLoadOptions, type MetadataOverride } from './engine/Model.js';
export { quantize, ftypeName, QUANT_TYPES, type QuantType, type QuantizeOptions, type QuantizeProgress, type QuantizeResult } from './engine/quantize.js';
export { listDevices, systemInfo, type DeviceInfo, type SystemInfo } from './engine/devices.js';
