// ESLint: correctness rules and import order. Formatting is Prettier's (eslint-config-prettier
// turns off the rules that would fight it). Plain rules, no type information: fast on two cores.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import simpleImportSort from 'eslint-plugin-simple-import-sort';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    plugins: { 'simple-import-sort': simpleImportSort },
    rules: {
      'simple-import-sort/imports': 'error',
      'simple-import-sort/exports': 'error',
      // Refusing control characters in paths and headers is the point of those patterns.
      'no-control-regex': 'off',
    },
  },
  // The page scripts run in the browser.
  { files: ['templates/**/*.js'], languageOptions: { globals: globals.browser } },
  prettier,
  // After eslint-config-prettier, which turns it off: Prettier wraps code at 120 columns but never
  // splits a comment. Strings stay whole so a message can be found with grep.
  {
    rules: {
      'max-len': [
        'error',
        { code: 140, ignoreUrls: true, ignoreRegExpLiterals: true, ignoreStrings: true, ignoreTemplateLiterals: true },
      ],
    },
  },
);
