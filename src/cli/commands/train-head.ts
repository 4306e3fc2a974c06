/**
 * `onramp train-head`: trains a head (softmax, sigmoid, linear or token) on frozen GGUF embeddings and saves it
 * with the base model's identity. Embeddings are cached under .cache/embeddings, so retraining is fast.
 */
import { MultiBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { Engine } from '../../engine/Engine.js';
import { Model } from '../../engine/Model.js';
import type { Pooling } from '../../engine/types.js';
import { InvalidArgumentError } from '../../errors.js';
import { loadDataset, parseLabelMap, type ConllSentence, type TextExample } from '../../eval/readers.js';
import { fitHead, fitTokenHead, type FitResult } from '../../tasks/heads/fit.js';
import { saveHead } from '../../tasks/heads/head.js';
import type { HeadKind } from '../../tasks/heads/losses.js';
import type { EpochStats } from '../../tasks/heads/train.js';
import { builtinTaskDir, resolvePackArg } from '../../tasks/registry.js';

interface Opts {
  task?: string;
  model: string;
  data: string;
  dev?: string;
  output: string;
  kind?: HeadKind;
  epochs: string;
  lr: string;
  seed: string;
  batchSize: string;
  weightDecay: string;
  patience: string;
  classWeights?: string;
  pooling: Pooling;
  standardize: boolean;
  textField?: string;
  labelField?: string;
  labelMap?: string;
  progress: boolean;
  json?: boolean;
}

function num(name: string, v: string, int = false): number {
  const n = Number(v);
  if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new InvalidArgumentError(name, `expected a${int ? 'n integer' : ' number'}, got "${v}"`);
  return n;
}

function fmtMetrics(s: EpochStats): string {
  const m = s.devMetrics ? Object.entries(s.devMetrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join('  ') : '';
  return `epoch ${String(s.epoch).padStart(3)}  loss ${s.trainLoss.toFixed(4)}${s.devLoss !== undefined ? `  dev loss ${s.devLoss.toFixed(4)}` : ''}${m ? `  ${m}` : ''}${s.best ? '  *' : ''}`;
}

/**
 * Registers `onramp train-head`.
 *
 * @example
 * onramp train-head --task intent-banking77 --model model.gguf --data train.csv --dev dev.csv -o head.json
 */
export function register(program: Command): void {
  program
    .command('train-head')
    .description('train a head on frozen embeddings of a GGUF model and save it as JSON')
    .option('--task <pack>', 'task pack (file or id): labels and head kind come from it')
    .requiredOption('--model <gguf>', 'base model whose embeddings the head learns from')
    .requiredOption('--data <file>', 'training data (.csv, .tsv, .jsonl, .json, .conll)')
    .option('--dev <file>', 'dev data for early stopping and per-epoch metrics')
    .requiredOption('-o, --output <file>', 'where to write the head JSON')
    .option('--kind <kind>', 'softmax | sigmoid | linear | token (default: from the pack, else softmax)')
    .option('--epochs <n>', 'maximum epochs', '100')
    .option('--lr <x>', 'AdamW learning rate', '0.01')
    .option('--seed <n>', 'seed for init and shuffling', '0')
    .option('--batch-size <n>', 'mini-batch size', '32')
    .option('--weight-decay <x>', 'decoupled weight decay', '0.01')
    .option('--patience <n>', 'early stopping: epochs without a better dev loss', '10')
    .option('--class-weights <spec>', "'balanced' or comma-separated weights in label order")
    .option('--pooling <p>', 'sentence pooling: mean | last | cls', 'mean')
    .option('--no-standardize', 'do not standardize features')
    .option('--text-field <f>', 'text column/key')
    .option('--label-field <f>', 'label column/key')
    .option('--label-map <map>', 'raw=name pairs, e.g. 0=negative,1=positive')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print one JSON summary on stdout')
    .action(async (o: Opts) => {
      const pack = o.task ? resolvePackArg(o.task, [builtinTaskDir()]) : undefined;
      const kind: HeadKind = o.kind ?? (pack?.kind === 'multilabel' ? 'sigmoid' : pack?.kind === 'ner' ? 'token' : 'softmax');
      if (!['softmax', 'sigmoid', 'linear', 'token'].includes(kind)) throw new InvalidArgumentError('kind', `unknown head kind "${kind}"`);
      if (!['mean', 'last', 'cls'].includes(o.pooling)) throw new InvalidArgumentError('pooling', `expected mean, last or cls, got "${o.pooling}"`);
      const read = { ...(o.textField ? { textField: o.textField } : {}), ...(o.labelField ? { labelField: o.labelField } : {}), ...(o.labelMap ? { labelMap: parseLabelMap(o.labelMap) } : {}) };
      const train = loadDataset(o.data, read);
      const dev = o.dev ? loadDataset(o.dev, read) : undefined;
      if ((kind === 'token') !== (train.kind === 'conll')) throw new InvalidArgumentError('data', kind === 'token' ? 'a token head trains on CoNLL data' : 'CoNLL data trains a token head (--kind token)');
      const labels = kind === 'token' || kind === 'linear' ? undefined : pack?.labels.map((l) => l.name);
      const classWeights = o.classWeights === undefined ? undefined : o.classWeights === 'balanced' ? ('balanced' as const) : o.classWeights.split(',').map((w) => num('class-weights', w));
      const show = o.progress && process.stderr.isTTY;
      const bars = show ? new MultiBar({ format: ' {phase} [{bar}] {value}/{total} {info}', hideCursor: true, clearOnComplete: false, stream: process.stderr }, Presets.shades_classic) : undefined;
      const log = (line: string) => (bars ? bars.log(`${line}\n`) : o.json ? process.stderr.write(`${line}\n`) : process.stdout.write(`${line}\n`));
      const epochs = num('epochs', o.epochs, true);
      const embedBar = bars?.create(1, 0, { phase: 'embed', info: '' });
      const epochBar = bars?.create(epochs, 0, { phase: 'train', info: '' });
      const model = await Model.load(o.model);
      const engine = await Engine.create(model, { parallel: 8 });
      let res: FitResult;
      try {
        const common = {
          kind,
          labels,
          epochs,
          lr: num('lr', o.lr),
          seed: num('seed', o.seed, true),
          batchSize: num('batch-size', o.batchSize, true),
          weightDecay: num('weight-decay', o.weightDecay),
          patience: num('patience', o.patience, true),
          classWeights,
          standardize: o.standardize,
          pooling: o.pooling,
          onEmbedProgress: (d: number, t: number) => {
            embedBar?.setTotal(t);
            embedBar?.update(d, { info: 'texts' });
          },
          onEpoch: (s: EpochStats) => {
            epochBar?.update(s.epoch, { info: `loss ${s.trainLoss.toFixed(4)}` });
            log(fmtMetrics(s));
          },
        };
        res =
          train.kind === 'conll'
            ? await fitTokenHead(engine, train.sentences, (dev as { sentences: ConllSentence[] } | undefined)?.sentences, common)
            : await fitHead(engine, train.examples, (dev as { examples: TextExample[] } | undefined)?.examples, common);
      } finally {
        bars?.stop();
        await engine.dispose();
        await model.dispose();
      }
      if (pack?.id) res.head.training.task = pack.id;
      await saveHead(res.head, o.output);
      const best = res.result.history.find((h) => h.epoch === res.result.bestEpoch);
      const summary = {
        output: o.output,
        kind,
        labels: res.head.labels,
        model: res.head.model,
        epochs: res.result.history.length,
        bestEpoch: res.result.bestEpoch,
        trainLoss: best?.trainLoss ?? null,
        devLoss: best?.devLoss ?? null,
        devMetrics: best?.devMetrics ?? null,
        embedSeconds: res.embedMs / 1000,
        trainSeconds: res.trainMs / 1000,
      };
      if (o.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else log(`saved ${o.output}: ${kind} head, ${res.head.labels.length} outputs, best epoch ${summary.bestEpoch}, embed ${summary.embedSeconds.toFixed(1)}s, train ${summary.trainSeconds.toFixed(1)}s`);
    });
}
