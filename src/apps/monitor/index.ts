export { SentimentMonitor, type Alert, type Classified, type MonitorItem, type MonitorOptions, type SentimentClassifier, type SentimentScore, type TopicStats } from './SentimentMonitor.js';
