/**
 * classify: one-pass label scoring. The prompt (few-shot + chat template per the pack) is the prefix; every
 * label's verbalizers are scored in one engine call; long inputs are chunked and the chunk distributions
 * aggregated. A trained head, when the pack has one, replaces prompt scoring.
 */
import { aggregate } from '../../preprocess/truncate.js';
import { baseExplanation, prepareInput, renderPrompt } from '../prepare.js';
import { scoreLabels } from '../scoring.js';
import type { TaskPack } from '../pack.js';
import type { ClassifyResult, Explanation, LabelScore, RunTaskOptions, TaskInput } from '../types.js';
import { headProbabilities } from '../head.js';

/**
 * Builds a classify result from a probability vector (label order of the pack).
 *
 * @example
 * classifyResult(pack, [0.2, 0.8], explanation).label // 'positive'
 */
export function classifyResult(pack: TaskPack, probs: readonly number[], explanation: Explanation): ClassifyResult {
  const labels: LabelScore[] = pack.labels.map((l, i) => ({ label: l.name, score: probs[i] ?? 0 })).sort((a, b) => b.score - a.score);
  const top = labels[0]!;
  const margin = top.score - (labels[1]?.score ?? 0);
  const abstain = pack.thresholds.abstain;
  const abstained = abstain !== undefined && top.score < abstain;
  explanation.labelProbabilities = Object.fromEntries(pack.labels.map((l, i) => [l.name, probs[i] ?? 0]));
  return { kind: 'classify', label: abstained ? 'unknown' : top.label, score: top.score, margin, abstained, labels, explanation };
}

/**
 * Label probabilities of one text by prompt scoring (the function eval and calibration reuse).
 *
 * @example
 * const { probs, logits } = await classifyProbabilities(pack, 'great film', { engine })
 */
export async function classifyProbabilities(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<{ probs: number[]; logits: number[][]; explanation: Explanation }> {
  const t0 = performance.now();
  const prep = prepareInput(pack, input, opts.engine);
  const explanation = baseExplanation(pack, prep);
  const temperature = opts.temperature ?? pack.scoring.temperature;
  const perChunk: number[][] = [];
  const logits: number[][] = [];
  for (const piece of prep.pieces) {
    const prefix = renderPrompt(pack, piece.text, prep.fields, opts.engine);
    const s = await scoreLabels(opts.engine, prefix, pack.labels, {
      normalization: pack.scoring.normalization,
      temperature,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(pack.lora.length ? { lora: [...pack.lora] } : {}),
    });
    perChunk.push(s.probs);
    logits.push(s.logits);
    explanation.tokens.prompt += s.prefixTokens + s.candidateTokens;
    explanation.timings.engineMs += s.engineMs;
  }
  const probs = perChunk.length === 1 ? perChunk[0]! : aggregate(perChunk, pack.input.chunking?.aggregate ?? 'mean');
  explanation.scorer = 'prompt';
  explanation.temperature = temperature;
  explanation.timings.totalMs = performance.now() - t0;
  return { probs, logits, explanation };
}

/**
 * Runs a classify pack on one input.
 *
 * @example
 * const r = await classify(pack, 'What a great film!', { engine })
 * r.label, r.score, r.labels // 'positive', 0.93, [{label:'positive',score:0.93},{label:'negative',score:0.07}]
 */
export async function classify(pack: TaskPack, input: TaskInput, opts: RunTaskOptions): Promise<ClassifyResult> {
  const viaHead = await headProbabilities(pack, input, opts);
  if (viaHead) return classifyResult(pack, viaHead.probs, viaHead.explanation);
  const { probs, explanation } = await classifyProbabilities(pack, input, opts);
  return classifyResult(pack, probs, explanation);
}
