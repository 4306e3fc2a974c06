/**
 * The seed's three applications on top of heads and prompt scoring: customer-service routing, financial
 * sentiment monitoring with alerts, and recommendation.
 */
export * from './customer-service/index.js';
export * from './monitor/index.js';
export * from './recommend/index.js';
export { loadRouterConfig, loadMonitorConfig, loadRecommendConfig, type MonitorConfig } from './config.js';
export { headClassifier, promptClassifier, taskClassifier } from './classifiers.js';
