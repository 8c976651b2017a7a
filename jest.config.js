/**
 * jest with ts-jest in transpile-only mode (isolatedModules): fast, because
 * the whole project is type-checked once by `tsc --noEmit` in `npm test`.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, diagnostics: false }] },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
