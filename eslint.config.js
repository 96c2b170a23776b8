import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Packages that belong to adapters only: core/ must stay free of platforms and the web framework. */
const PLATFORM_PACKAGES = [
  'telegraf',
  'telegraf/*',
  'discord.js',
  '@discordjs/*',
  '@slack/*',
  'express',
  'express-*',
  'helmet',
  'cookie-parser',
  'busboy',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'core/db/generated/', 'test-artifacts/', 'coverage/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        AbortController: 'readonly',
        fetch: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-empty-object-type': 'off',
    },
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: PLATFORM_PACKAGES,
              message:
                'core/ must not import a platform SDK or the web framework: put it in an adapter (bots/, gallery-web/).',
            },
            { group: ['@aws-sdk/*'], message: 'Only core/storage/s3-blob-store.ts may import @aws-sdk.' },
            {
              group: ['**/bots/**', '**/gallery-web/**', '**/cli/**'],
              message: 'core/ must not depend on its adapters.',
            },
          ],
        },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through core/config.ts only.' },
      ],
    },
  },
  {
    files: ['core/storage/s3-blob-store.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: PLATFORM_PACKAGES, message: 'core/ must not import a platform SDK or the web framework.' },
          ],
        },
      ],
    },
  },
  {
    files: ['core/config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
