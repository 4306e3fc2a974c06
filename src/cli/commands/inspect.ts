/**
 * `onramp inspect <file> [--json]`: validates a GGUF file and prints its metadata and tensor table.
 * `onramp inspect --devices [--json]`: lists the ggml backends and devices the native addon found (src/engine/devices).
 */
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { summarizeGguf, type GgufJsonValue, type GgufSummary } from '../../gguf/summary.js';
import { validateGguf } from '../../gguf/validate.js';
import { systemInfo } from '../../engine/devices.js';

interface Opts {
  json?: boolean;
  devices?: boolean;
  tensors?: boolean;
}

const MB = 1024 * 1024;

function fmtBytes(n: number): string {
  return n >= 1024 * MB ? `${(n / 1024 / MB).toFixed(2)} GiB` : n >= MB ? `${(n / MB).toFixed(2)} MiB` : `${(n / 1024).toFixed(1)} KiB`;
}

function fmtParams(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
}

function fmtValue(v: GgufJsonValue): string {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return `[${v.elementType} x ${v.length}]`;
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v);
  return s.length > 100 ? `${s.slice(0, 97)}...` : s;
}

/**
 * Human-readable report of a GGUF summary.
 *
 * @example
 * console.log(formatSummary(summarizeGguf(await validateGguf('model.gguf'))))
 */
export function formatSummary(s: GgufSummary, showTensors = true): string {
  const lines: string[] = [];
  const row = (k: string, v: unknown): void => {
    if (v !== undefined) lines.push(`${k.padEnd(18)} ${String(v)}`);
  };
  row('file', s.path);
  row('GGUF version', s.version);
  row('architecture', s.architecture);
  row('name', s.name);
  row('file type', s.fileType === null ? 'unknown' : s.fileTypeGuessed ? `${s.fileType} (guessed from tensor types)` : s.fileType);
  row('parameters', `${fmtParams(s.parameters)} (${s.parameters})`);
  row('file size', `${fmtBytes(s.fileSize)} (${s.fileSize} bytes)`);
  row('context length', s.contextLength);
  row('embedding length', s.embeddingLength);
  row('blocks', s.blockCount);
  row('heads / kv heads', s.headCount !== undefined ? `${s.headCount} / ${s.headCountKv ?? s.headCount}` : undefined);
  row('feed forward', s.feedForwardLength);
  row('vocab size', s.vocabSize);
  row('alignment', s.alignment);
  lines.push('', `metadata (${Object.keys(s.metadata).length} keys)`);
  for (const [k, v] of Object.entries(s.metadata)) lines.push(`  ${k} = ${fmtValue(v)}`);
  if (showTensors) {
    lines.push('', `tensors (${s.tensors.length})`);
    const w = Math.max(4, ...s.tensors.map((t) => t.name.length));
    lines.push(`  ${'name'.padEnd(w)}  ${'type'.padEnd(7)}  ${'shape'.padEnd(20)}  ${'offset'.padStart(12)}  size`);
    for (const t of s.tensors) lines.push(`  ${t.name.padEnd(w)}  ${t.type.padEnd(7)}  ${`[${t.shape.join(', ')}]`.padEnd(20)}  ${String(t.offset).padStart(12)}  ${fmtBytes(t.byteSize)}`);
  }
  return lines.join('\n');
}

function devices(json: boolean): void {
  const info = systemInfo();
  if (json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  const lines = [`devices (${info.devices.length})`];
  for (const d of info.devices) {
    const mem = d.memoryTotalBytes > 0 ? `  ${fmtBytes(d.memoryFreeBytes)} free of ${fmtBytes(d.memoryTotalBytes)}` : '';
    lines.push(`  ${d.name.padEnd(12)} ${d.type.padEnd(5)} ${d.backend.padEnd(8)} ${d.description}${mem}`);
  }
  lines.push('', `gpu offload: ${info.gpuOffload}  mmap: ${info.mmap}  mlock: ${info.mlock}`, `native dir: ${info.nativeDir}`, `system: ${info.llamaSystemInfo}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Registers `onramp inspect`. */
export function register(program: Command): void {
  program
    .command('inspect')
    .description('validate a GGUF file and show its metadata and tensors, or list devices with --devices')
    .argument('[file]', 'GGUF model or adapter file')
    .option('--json', 'print one JSON object')
    .option('--devices', 'list ggml backends and devices instead of reading a file')
    .option('--no-tensors', 'omit the tensor table from the human output')
    .action(async (file: string | undefined, opts: Opts) => {
      if (opts.devices) return devices(opts.json === true);
      if (!file) throw new InvalidArgumentError('file', 'a GGUF file is required (or use --devices)');
      const summary = summarizeGguf(await validateGguf(file));
      process.stdout.write(opts.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary, opts.tensors !== false)}\n`);
    });
}
