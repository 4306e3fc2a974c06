import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { Engine } from '../engine/Engine.js';
import { LoraRegistry } from '../engine/LoraRegistry.js';
import { Model } from '../engine/Model.js';
import { makeSyntheticModel } from '../gguf/synthetic.js';
import type { ServeConfig } from '../config/index.js';
import type { AdapterService, ServerDeps } from './deps.js';

/** The loaded services behind a server, and how to free them. */
export interface Runtime extends Omit<ServerDeps, 'options' | 'lifecycle' | 'logger'> {
  /** True when the embedded synthetic demo model is serving (random weights: text is gibberish). */
  synthetic: boolean;
  modelPath: string;
  /** Directories admin-loaded adapters may come from (configured + those of --lora files). */
  adapterDirs: string[];
  dispose(): Promise<void>;
}

/**
 * The embedded default model: a small synthetic llama (random weights, real Llama tokenizer), made once and cached.
 *
 * @example
 * const model = await Model.load(await defaultModelPath())
 */
export function defaultModelPath(): Promise<string> {
  return makeSyntheticModel({ shape: 'tiny', vocab: 'llama-spm', seed: 1 });
}

/**
 * Loads the model (or the embedded synthetic one), starts the engine and the LoRA registry, and loads the
 * `--lora` adapters. Tasks and safety are attached by the caller when their layers are available.
 *
 * @example
 * const rt = await openRuntime(cfg, logger)
 * const app = createApp({ ...rt, options })
 */
export async function openRuntime(cfg: ServeConfig, logger?: Logger): Promise<Runtime> {
  const synthetic = cfg.model === undefined;
  const modelPath = cfg.model ?? (await defaultModelPath());
  const t0 = performance.now();
  const model = await Model.load(modelPath);
  let engine: Engine | undefined;
  let loras: LoraRegistry | undefined;
  try {
    engine = await Engine.create(model, {
      parallel: cfg.parallel,
      nCtx: cfg.ctx,
      queueSize: cfg.queue,
      ...(cfg.threads === undefined ? {} : { threads: cfg.threads }),
    });
    loras = LoraRegistry.of(model);
    for (const l of cfg.lora) await loras.load(l.name, l.path, l.scale === undefined ? {} : { scale: l.scale });
    logger?.info(
      { model: synthetic ? 'synthetic' : modelPath, architecture: engine.modelInfo.architecture, parameters: engine.modelInfo.parameters, ms: Math.round(performance.now() - t0), loras: cfg.lora.length },
      'model loaded',
    );
    const adapters: AdapterService = {
      list: () => registry.list().map((a) => ({ name: a.name, path: a.path, scale: a.scale })),
      load: async (name, path, scale) => {
        const a = await registry.load(name, path, { scale });
        return { name: a.name, path: a.path, scale: a.scale };
      },
      unload: (name) => registry.unload(name),
    };
    const live = engine;
    const registry = loras;
    return {
      engine: live,
      adapters,
      synthetic,
      modelPath,
      adapterDirs: [...cfg.adapterDirs, ...cfg.lora.map((l) => dirname(l.path))],
      async dispose() {
        await live.dispose();
        await registry.dispose();
        await model.dispose();
      },
    };
  } catch (e) {
    // a failed --lora must not leave the adapters loaded before it (each holds the weights) behind
    await engine?.dispose();
    await loras?.dispose();
    await model.dispose();
    throw e;
  }
}
