import { readdirSync } from 'node:fs';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Issue 19: a flow (a folder of src/flows) never imports another flow; what several share lives in src/identity,
// src/domain or src/infra, and a flow reacts to another through a hook wired in app.ts. src/identity, src/domain
// and src/infra never import a flow. Tests may reach across (a test of one flow signs a member in through another).
const flows = readdirSync(new URL('./src/flows', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
const noFlow = (names, message) => ({
  'no-restricted-imports': [
    'error',
    {
      patterns: names.map((name) => ({
        group: [`**/flows/${name}/**`, `../${name}/**`, `../../${name}/**`, `../../../${name}/**`],
        message,
      })),
    },
  ],
});
const flowZones = flows.map((flow) => ({
  files: [`src/flows/${flow}/**/*.{ts,tsx}`],
  ignores: ['**/*.test.{ts,tsx}'],
  rules: noFlow(
    flows.filter((other) => other !== flow),
    `src/flows/${flow} must not import another flow: move what both need to src/identity, src/domain or src/infra, or use a hook (issue 19).`,
  ),
}));
const layerZone = {
  files: ['src/identity/**/*.{ts,tsx}', 'src/domain/**/*.ts', 'src/infra/**/*.{ts,tsx}'],
  ignores: ['**/*.test.{ts,tsx}'],
  rules: noFlow(flows, 'identity, domain and infra sit below the flows and never import one (issue 19).'),
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'public/vendor/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // Issue 19: no line over 120 characters, comments included; texts (strings, template literals, regular
  // expressions, addresses) may run longer rather than be cut mid-sentence, and the catalogs are texts throughout.
  {
    files: ['**/*.{ts,tsx,js}'],
    ignores: ['src/infra/i18n/**', 'src/demo-legal.ts'],
    rules: {
      'max-len': [
        'error',
        { code: 120, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true },
      ],
    },
  },
  ...flowZones,
  layerZone,
  {
    files: ['bin/**/*.js', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['public/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        window: 'readonly',
        customElements: 'readonly',
        fetch: 'readonly',
        URLSearchParams: 'readonly',
        navigator: 'readonly',
      },
    },
  },
);
