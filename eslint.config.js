// ESLint flat config: typescript-eslint for TypeScript, eslint-plugin-svelte for the renderer,
// and the import boundaries of the house layout (../shared/STYLE.md):
// the engine imports nothing from the host, contract, CLI, main, server or renderer;
// the renderer imports nothing from the engine (it talks to it through the contract only).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const outsideEngine = ['host', 'contract', 'cli', 'main', 'server', 'preload'].map((dir) => ({
  group: [`**/${dir}/*`],
  message: `The engine imports nothing from electron/${dir}: it is used by them, never the reverse.`,
}));

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'out/**',
      'runs/**',
      'exports/**',
      'electron/**/*.as.ts',
      'electron/engine/features/wasm/*.js',
      'renderer/public/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // Unused names are errors, except those marked as deliberately unused.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] } },
  },
  {
    files: ['electron/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...outsideEngine,
            {
              group: ['**/renderer/**', 'electron', 'electron/*'],
              message: 'The engine runs in plain Node: no renderer or Electron imports.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.svelte'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/engine/**', '**/engine'],
              message: 'The renderer reaches the engine only through the contract and its client.',
            },
          ],
        },
      ],
    },
  },
);
