export { extractSlots, type Slots, type SlotMatch, type Amount, type SlotOptions } from './slots.js';
export { CustomerServiceRouter, type IntentClassifier, type IntentConfig, type IntentScore, type RouterConfig, type RouteResult } from './router.js';
