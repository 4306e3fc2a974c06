export { Recommender, engineEmbedder, pairFeatures, trainClickHead, type ClickExample, type Embedder, type HistoryEntry, type Item, type Ranked } from './Recommender.js';
