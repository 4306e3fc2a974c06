/** The frozen adapter registry: one adapter per task kind, one file each. */
import type { TaskKind } from '../pack.js';
import type { Adapter } from '../types.js';
import { classify } from './classify.js';
import { multilabel } from './multilabel.js';
import { extract } from './extract.js';
import { ner } from './ner.js';
import { generate } from './generate.js';
import { summarize } from './summarize.js';

export const ADAPTERS: Readonly<Record<TaskKind, Adapter>> = Object.freeze({ classify, multilabel, extract, ner, generate, summarize });
export { classify, classifyProbabilities, classifyResult } from './classify.js';
export { multilabel } from './multilabel.js';
export { extract } from './extract.js';
export { ner, nerSchema } from './ner.js';
export { generate } from './generate.js';
export { summarize, limitWords } from './summarize.js';
