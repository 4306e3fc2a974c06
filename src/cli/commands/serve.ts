import { Command, InvalidArgumentError as UsageError, Option } from 'commander';
import { loadServeConfig, parseDuration, parseSize, type ServeConfigInput } from '../../config/index.js';
import { parseLoraSpec } from '../../engine/lora.js';
import { createLogger } from '../../logging.js';
import { openRuntime } from '../../server/runtime.js';
import { loadOptionalLayers } from '../../server/layers.js';
import { checkBindSafety, startServer } from '../../server/serve.js';

/** Time a shutdown may take beyond the grace period (abort, flush, free the model) before a forced exit. */
const SHUTDOWN_SLACK_MS = 15_000;

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
const intArg = (name: string) => (v: string): number => {
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number`);
  return Number(v);
};

interface ServeFlags {
  config?: string;
  host?: string;
  port?: number;
  model?: string;
  modelId?: string;
  lora?: string[];
  adapterDir?: string[];
  tasks?: string;
  policy?: string;
  nerTask?: string;
  generationSafety?: boolean;
  parallel?: number;
  ctx?: number;
  threads?: number;
  queue?: number;
  apiKey?: string[];
  apiKeyFile?: string;
  insecure?: boolean;
  cors?: string;
  bodyLimit?: string;
  timeout?: string;
  rateLimit?: number;
  grace?: string;
  logLevel?: string;
}

function toConfigInput(f: ServeFlags): ServeConfigInput {
  const out: ServeConfigInput = {};
  if (f.host !== undefined) out.host = f.host;
  if (f.port !== undefined) out.port = f.port;
  if (f.model !== undefined) out.model = f.model;
  if (f.modelId !== undefined) out.modelId = f.modelId;
  if (f.lora?.length) out.lora = f.lora.map((s) => parseLoraSpec(s));
  if (f.adapterDir?.length) out.adapterDirs = f.adapterDir;
  if (f.tasks !== undefined) out.tasks = f.tasks;
  if (f.policy !== undefined) out.policy = f.policy;
  if (f.nerTask !== undefined) out.nerTask = f.nerTask;
  if (f.generationSafety !== undefined) out.generationSafety = f.generationSafety;
  if (f.parallel !== undefined) out.parallel = f.parallel;
  if (f.ctx !== undefined) out.ctx = f.ctx;
  if (f.threads !== undefined) out.threads = f.threads;
  if (f.queue !== undefined) out.queue = f.queue;
  if (f.apiKey?.length) out.apiKeys = f.apiKey;
  if (f.apiKeyFile !== undefined) out.apiKeyFile = f.apiKeyFile;
  if (f.insecure) out.insecure = true;
  if (f.cors !== undefined) out.cors = f.cors.split(',').map((s) => s.trim()).filter(Boolean);
  if (f.bodyLimit !== undefined) out.bodyLimit = parseSize(f.bodyLimit, '--body-limit');
  if (f.timeout !== undefined) out.timeoutMs = parseDuration(f.timeout, '--timeout');
  if (f.rateLimit !== undefined) out.rateLimit = f.rateLimit;
  if (f.grace !== undefined) out.graceMs = parseDuration(f.grace, '--grace');
  if (f.logLevel !== undefined) out.logLevel = f.logLevel as ServeConfigInput['logLevel'];
  return out;
}

/**
 * `onramp serve`: the HTTP API on a model (the embedded synthetic demo model without --model).
 *
 * @example
 * onramp serve --model models/qwen2.5-0.5b-q4_k_m.gguf --port 8787 --api-key-file keys.txt
 */
export function register(program: Command): void {
  program
    .command('serve')
    .description('serve the OpenAI-compatible, task, safety and admin HTTP API')
    .option('--config <file>', 'config file (JSON or YAML); also ONRAMP_CONFIG')
    .option('--host <host>', 'address to bind (default 127.0.0.1)')
    .option('--port <port>', 'port (default 8787; 0 = any free port)', intArg('--port'))
    .option('--model <gguf>', 'GGUF model file (default: the embedded synthetic demo model)')
    .option('--model-id <id>', 'model name shown by /v1/models')
    .option('--lora <name=path[:scale]>', 'LoRA adapter to load (repeatable)', collect)
    .option('--adapter-dir <dir>', 'directory adapters may be loaded from over HTTP (repeatable)', collect)
    .option('--tasks <dir>', 'task pack directory')
    .option('--policy <file>', 'safety policy file')
    .option('--ner-task <pack>', 'NER task pack (id or file) behind a policy\'s ner-entities rule on /v1/safety/scan and /mask (default: ner)')
    .option('--generation-safety', 'apply the safety policy to chat/completions prompts and answers (default on)')
    .option('--no-generation-safety', 'do not apply the safety policy to chat/completions and zero-shot /v1/classify (task and /v1/safety routes still do)')
    .option('--parallel <n>', 'concurrent request slots (default 4)', intArg('--parallel'))
    .option('--ctx <n>', 'KV cache size in tokens, shared by the slots (default 4096)', intArg('--ctx'))
    .option('--threads <n>', 'decode threads', intArg('--threads'))
    .option('--queue <n>', 'requests that may wait for a slot before 429 (default 64)', intArg('--queue'))
    .option('--api-key <key>', 'accepted bearer key (repeatable)', collect)
    .option('--api-key-file <file>', 'file with one accepted key per line')
    .option('--insecure', 'allow a non-loopback bind without API keys')
    .option('--cors <origins>', 'comma-separated CORS origin allowlist (default: CORS off)')
    .option('--body-limit <size>', 'max request body, e.g. 1mb (default 1mb)')
    .option('--timeout <duration>', 'timeout of non-streaming requests, e.g. 120s (0 = none)')
    .option('--rate-limit <n>', 'requests per minute per API key (0 = unlimited)', intArg('--rate-limit'))
    .option('--grace <duration>', 'time in-flight requests get on SIGTERM/SIGINT (default 10s)')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .action(async (flags: ServeFlags) => {
      const cfg = await loadServeConfig({ flags: toConfigInput(flags), ...(flags.config ? { file: flags.config } : {}) });
      checkBindSafety(cfg);
      const log = createLogger({ level: cfg.logLevel });
      // A stray rejection or exception must not take the server down with requests in flight.
      process.on('unhandledRejection', (reason) => log.error({ err: { name: (reason as Error)?.name, code: (reason as { code?: unknown })?.code } }, 'unhandled rejection (kept running)'));
      process.on('uncaughtException', (err) => log.error({ err: { name: err.name, code: (err as { code?: unknown }).code, stack: err.stack } }, 'uncaught exception (kept running)'));
      if (cfg.model === undefined)
        log.warn(
          'no --model given: serving the embedded SYNTHETIC demo model (random weights, its text is gibberish). ' +
            'Use a real GGUF with `onramp serve --model path/to/model.gguf`, or fetch one with `onramp pull <https-url | hf:owner/repo/file.gguf>`.',
        );
      const rt = await openRuntime(cfg, log);
      const attached = loadOptionalLayers(cfg, rt, log);
      const srv = await startServer(
        { ...cfg, adapterDirs: rt.adapterDirs, modelId: cfg.modelId ?? (rt.synthetic ? 'onramp-synthetic-demo' : undefined) },
        { ...rt, ...attached },
        log,
      );
      log.info({ url: srv.url, auth: cfg.apiKeys.length > 0, cors: cfg.cors.length > 0, synthetic: rt.synthetic, generationSafety: cfg.generationSafety }, `listening on ${srv.url} (docs: ${srv.url}/docs)`);
      let signals = 0;
      const stop = async (sig: string): Promise<void> => {
        if (++signals > 1) {
          log.warn({ signal: sig }, 'second signal: exiting now');
          process.exit(130);
        }
        log.info({ signal: sig, graceMs: cfg.graceMs, inflight: srv.lifecycle.inflight }, 'draining');
        // A backstop: a close or dispose that never settles must not keep the process alive after the grace.
        setTimeout(() => {
          log.error({ signal: sig }, 'shutdown did not finish in time: exiting');
          process.exit(1);
        }, cfg.graceMs + SHUTDOWN_SLACK_MS).unref();
        let code = 0;
        let drained = false;
        try {
          ({ drained } = await srv.close(cfg.graceMs));
        } catch (e) {
          code = 1;
          log.error({ err: { name: (e as Error)?.name, code: (e as { code?: unknown })?.code } }, 'closing the listener failed');
        }
        try {
          await rt.dispose();
        } catch (e) {
          code = 1;
          log.error({ err: { name: (e as Error)?.name, code: (e as { code?: unknown })?.code } }, 'freeing the model failed');
        }
        log.info({ drained, code }, 'stopped');
        process.exit(code);
      };
      process.on('SIGTERM', () => void stop('SIGTERM'));
      process.on('SIGINT', () => void stop('SIGINT'));
    });
}

