/**
 * jest with ts-jest, transpiling only (isolatedModules in tsconfig.json): fast, because
 * the whole project is type-checked once by `tsc --noEmit` in `npm test`.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
