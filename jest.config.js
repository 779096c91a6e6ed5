export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', astTransformers: { before: [{ path: '<rootDir>/test/jest/swagger-plugin.cjs', options: { introspectComments: true, classValidatorShim: true } }] } }],
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
};
