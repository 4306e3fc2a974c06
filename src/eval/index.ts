/** Evaluation: sklearn-style classification report, seqeval entity scoring, confusion matrix, readers, baseline. */
export * from './format.js';
export * from './classificationReport.js';
export * from './confusion.js';
export * from './seqeval.js';
export * from './readers.js';
export * from './baseline.js';
export * from './extractReport.js';
