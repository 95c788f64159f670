/** Environment → typed, validated, frozen Config. */
export { defaultConfig, loadConfig } from './load-config.ts';
export * from './types.ts';
