import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that spawn bin/vpc-ipamd.js run the bundle: rebuild it first if a source changed.
    globalSetup: ['test/bundle-setup.ts'],
    // Integration tests start real processes and network namespaces; 2 cores here.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
