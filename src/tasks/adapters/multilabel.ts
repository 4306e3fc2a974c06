/**
 * multilabel: one yes/no question per label (the template sees `{{label}}` and `{{label_description}}`), all
 * labels scored concurrently; a label is on when P(yes) reaches its threshold (label.threshold, else the
 * pack's thresholds.multilabel). Long inputs: per-chunk P(yes) are aggregated per label.
 */
import { aggregate } from '../../preprocess/truncate.js';
import { baseExplanation, prepareInput, renderPrompt } from '../prepare.js';
import { scoreLabels } from '../scoring.js';
import { headProbabilities } from '../head.js';
import type { TaskPack } from '../pack.js';
import type { MultilabelResult, RunTaskOptions, TaskInput } from '../types.js';

/**
 * Runs a multilabel pack on one input.
 *
 * @example
 * const r = await multilabel(pack, 'The room was dirty and the staff rude', { engine })
 * r.labels // ['cleanliness', 'service']
 */
export async function multilabel(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<MultilabelResult> {
  const t0 = performance.now();
  // A head (pack `head` or opts.head) replaces prompt scoring: every pack label must be one of the head's labels
  // (ConfigError otherwise, as classify), and `explain` asks the head which words mattered.
  const viaHead = await headProbabilities(pack, input, opts);
  const prep = viaHead ? undefined : prepareInput(pack, input, opts.engine);
  const explanation = viaHead ? viaHead.explanation : baseExplanation(pack, prep!);
  const T = opts.temperature ?? pack.scoring.temperature;
  let pYes: number[];
  if (viaHead) {
    pYes = viaHead.probs;
  } else {
    const yesNo = [
      { name: 'yes', description: '', verbalizers: [pack.scoring.yes] },
      { name: 'no', description: '', verbalizers: [pack.scoring.no] },
    ];
    const perChunk: number[][] = [];
    for (const piece of prep!.pieces) {
      const t1 = performance.now();
      const scored = await Promise.all(
        pack.labels.map((l) =>
          scoreLabels(opts.engine, renderPrompt(pack, piece.text, { ...prep!.fields, label: l.name, label_words: l.name.replace(/[_-]+/g, ' '), label_description: l.description || l.name }, opts.engine), yesNo, {
            normalization: pack.scoring.normalization,
            temperature: T,
            ...(opts.signal ? { signal: opts.signal } : {}),
            ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
          }),
        ),
      );
      explanation.timings.engineMs += performance.now() - t1;
      for (const s of scored) explanation.tokens.prompt += s.prefixTokens + s.candidateTokens;
      perChunk.push(scored.map((s) => s.probs[0]!));
    }
    // Per label, aggregate P(yes) over chunks (max: any chunk mentioning it counts).
    const method = pack.input.chunking?.aggregate ?? 'max';
    pYes = pack.labels.map((_, i) => {
      const per = perChunk.map((c) => [c[i]!, 1 - c[i]!]);
      return per.length === 1 ? per[0]![0]! : method === 'max' ? Math.max(...per.map((p) => p[0]!)) : aggregate(per, method)[0]!;
    });
    explanation.scorer = 'prompt';
    explanation.temperature = T;
  }
  const scores = pack.labels
    .map((l, i) => ({ label: l.name, score: pYes[i]!, threshold: l.threshold ?? pack.thresholds.multilabel }))
    .sort((a, b) => b.score - a.score);
  explanation.labelProbabilities = Object.fromEntries(pack.labels.map((l, i) => [l.name, pYes[i]!]));
  explanation.timings.totalMs = performance.now() - t0;
  return { kind: 'multilabel', labels: scores.filter((s) => s.score >= s.threshold).map((s) => s.label), scores, explanation };
}
