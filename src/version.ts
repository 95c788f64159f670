import packageJson from '../package.json' with { type: 'json' };

/**
 * This build's version as the CNI plugin and ipamd exchange it (`ClientVersion`), e.g. 'v0.1.0'.
 */
export const VERSION = `v${packageJson.version}`;
