// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '**/dist/',
      'node_modules/',
      'coverage/',
      'data/',
      'eslint.config.mjs',
      'jest.config.js',
      '.dependency-cruiser.cjs',
      'test/jest/*.cjs',
      'bench/**/*.js',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Nest's decorators and supertest's bodies are typed loosely; these rules mostly flag them.
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // The server's own pages (admin console, account page, what they share): plain ES modules for
    // the browser, served as they are (no build step).
    files: ['admin/**/*.js', 'account/**/*.js', 'web-common/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'document',
          'window',
          'location',
          'history',
          'fetch',
          'URLSearchParams',
          'FormData',
          'Node',
          'Intl',
          'navigator',
          'AbortController',
          'PublicKeyCredential',
          'atob',
          'btoa',
          'Blob',
          'URL',
          'crypto',
          'TextEncoder',
          'sessionStorage',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // Node scripts run as they are (no build step): the package.json scripts, and the tests'
    // helper processes.
    files: ['scripts/**/*.mjs', 'test/support/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
