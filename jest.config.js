// jest 30 runs the suite in its ESM mode (`node --experimental-vm-modules`, which PGlite needs too).
// NestJS 12 ships ES modules only. From Node 24.9 jest loads them from our CommonJS code the way
// Node's require(esm) does; before that (Node 22), jest cannot, so those packages are compiled to
// CommonJS for the test run by babel (and `import.meta.url` by ./test/jest/import-meta-cjs.cjs).
// Compiling them on Node 24.9+ would break them: jest then evaluates the file as an ES module.
const [major, minor] = process.versions.node.split('.').map(Number);
const jestRequiresEsm = major > 24 || (major === 24 && minor >= 9);

/** ES-module-only packages that the server or the tests require. */
const esmOnly = ['@nestjs', 'jose', 'openid-client', 'oauth4webapi'];

/** @type {import('jest').Config} */
module.exports = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  rootDir: '.',
  testRegex: '(src/.*\\.spec|test/.*\\.e2e-spec)\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { isolatedModules: true }],
    ...(jestRequiresEsm
      ? {}
      : {
          '^.+\\.js$': [
            'babel-jest',
            {
              babelrc: false,
              configFile: false,
              plugins: [
                './test/jest/import-meta-cjs.cjs',
                // Nest loads optional packages (the HTTP platform) with import(): as require() too.
                '@babel/plugin-transform-dynamic-import',
                '@babel/plugin-transform-modules-commonjs',
              ],
            },
          ],
        }),
  },
  transformIgnorePatterns: jestRequiresEsm
    ? ['/node_modules/']
    : [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  testEnvironment: 'node',
  testTimeout: 60000,
  maxWorkers: 2,
  moduleNameMapper: {
    '^nest-email-auth-client$': '<rootDir>/packages/client/src/index.ts',
  },
};
