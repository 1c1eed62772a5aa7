import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import ts from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const root = dirname(fileURLToPath(import.meta.url));

/** Imports a layer may not make (DESIGN §1: routes → app → {core, platform, ui}; platform → core). */
const forbid = (patterns, message) => ({
  'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }],
});

/**
 * The relay shares exactly one file with the app: src/lib/core/sync/protocol.ts. Relative paths
 * can reach it from any depth, so this resolves each import instead of matching its text.
 */
const relayImports = {
  meta: {
    type: 'problem',
    docs: { description: 'sync-server imports only src/lib/core/sync/protocol.ts from the app' },
    messages: {
      outside:
        "The relay may import only src/lib/core/sync/protocol.ts from the app, not '{{source}}'.",
    },
    schema: [],
  },
  create(context) {
    const relayRoot = resolve(root, 'sync-server') + sep;
    const protocol = resolve(root, 'src/lib/core/sync/protocol');
    const dir = dirname(context.filename);
    const check = (node) => {
      if (node?.type !== 'Literal' || typeof node.value !== 'string') return;
      const source = node.value;
      const aliased = source.startsWith('$');
      const relative = source.startsWith('.') || source.startsWith('/');
      if (!aliased && !relative) return; // a package: the relay's own dependency
      if (relative) {
        const target = resolve(dir, source).replace(/\.(ts|js)$/, '');
        if (target.startsWith(relayRoot) || target === protocol) return;
      }
      context.report({ node, messageId: 'outside', data: { source } });
    };
    return {
      ImportDeclaration: (n) => check(n.source),
      ExportAllDeclaration: (n) => check(n.source),
      ExportNamedDeclaration: (n) => check(n.source),
      ImportExpression: (n) => check(n.source),
    };
  },
};

/** TypeScript files that a tsconfig covers, so type-aware rules can run on them. */
const typed = ['src/**/*.ts', 'sync-server/src/**/*.ts', 'tests/**/*.ts'];

export default ts.config(
  {
    ignores: [
      'build/',
      '.svelte-kit/',
      'node_modules/',
      '**/node_modules/',
      'test-results/',
      'playwright-report/',
      'bench-results/',
      '**/generated/',
      'sync-server/dist/',
      'dev-dist/',
      'wasm/',
      'data/',
    ],
  },
  js.configs.recommended,
  ...ts.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    plugins: { backpack: { rules: { 'relay-imports': relayImports } } },
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
    // Type-aware checks that are cheap here and catch real bugs: a promise nobody awaits loses
    // its error (and, in Playwright, an assertion that never runs).
    files: typed,
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': [
        'error',
        { considerDefaultExhaustiveForUnions: true },
      ],
    },
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
        '$app',
        '$app/*',
        '$lib/platform',
        '$lib/app',
        '$lib/ui',
        'dexie',
        'y-indexeddb',
        '@hocuspocus/*',
        '*.svelte',
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
      ['$lib/app', '$lib/ui', '*.svelte', '**/app/**', '**/ui/**'],
      'platform adapters depend on core only.',
    ),
  },
  {
    files: ['src/lib/ui/**'],
    rules: forbid(
      ['$lib/platform', '$lib/app', '**/platform/**', '**/app/**'],
      'ui is presentational: props in, callbacks out. It may use $lib/i18n and core types.',
    ),
  },
  {
    files: ['sync-server/src/**'],
    rules: { 'backpack/relay-imports': 'error' },
  },
);
