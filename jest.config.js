import { readFileSync } from 'node:fs';

// The Swagger plugin's options come from nest-cli.json, so tests and builds see the same OpenAPI metadata.
const nestCli = JSON.parse(readFileSync(new URL('./nest-cli.json', import.meta.url), 'utf8'));
const swaggerOptions = nestCli.compilerOptions.plugins.find(
  (plugin) => plugin.name === '@nestjs/swagger',
).options;

const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        useESM: true,
        tsconfig: 'tsconfig.json',
        diagnostics: { ignoreCodes: [151002] },
        astTransformers: {
          before: [{ path: '<rootDir>/test/jest/swagger-plugin.cjs', options: swaggerOptions }],
        },
      },
    ],
  },
};

export default {
  // A global option (Jest ignores it inside projects): integration and protocol tests start real processes.
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    {
      ...base,
      displayName: 'protocol',
      testMatch: ['<rootDir>/test/protocol/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
  ],
};
