import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

/** Imports a layer may not make (DESIGN §1: routes → app → {core, platform, ui}; platform → core). */
const forbid = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

export default ts.config(
  {
    ignores: [
      'build/',
      '.svelte-kit/',
      'node_modules/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      'src/lib/core/motion/generated/',
      'wasm/',
      'data/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error', 'warn'] }],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: ts.parser, svelteConfig } },
  },
  {
    // The relay's logger replaces console output with sanitised JSON lines.
    files: ['scripts/**', 'tests/**', 'playwright.config.ts', 'sync-server/src/log.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['src/lib/core/**'],
    rules: forbid(
      [
        'svelte',
        'svelte/*',
        '$app/*',
        '$lib/platform/*',
        '$lib/app/*',
        '$lib/ui/*',
        'dexie',
        'y-indexeddb',
        '@hocuspocus/*',
        '**/platform/**',
        '**/app/**',
        '**/ui/**',
      ],
      'core is pure TypeScript: no Svelte, DOM storage, network or app layers.',
    ),
  },
  {
    files: ['src/lib/platform/**'],
    rules: forbid(
      ['$lib/app/*', '$lib/ui/*', '*.svelte', '**/app/**', '**/ui/**'],
      'platform adapters depend on core only.',
    ),
  },
  {
    files: ['src/lib/ui/**'],
    rules: forbid(
      ['$lib/platform/*', '$lib/app/*', '**/platform/**', '**/app/**'],
      'ui is presentational: props in, callbacks out.',
    ),
  },
  {
    files: ['sync-server/src/**'],
    rules: forbid(
      [
        '$lib/*',
        '../../src/lib/!(core)/**',
        '../../src/lib/core/!(sync)/**',
        '../../src/lib/core/sync/!(protocol)',
      ],
      'the relay imports only core/sync/protocol.ts from the app.',
    ),
  },
);
