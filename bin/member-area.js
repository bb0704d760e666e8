#!/usr/bin/env node
// The CLI runs the compiled code; `npm run build` (part of `npm start` and `npm test`) produces it.
import { existsSync } from 'node:fs';
const entry = new URL('../dist/src/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('member-area: not built yet. Run `npm run build` first (npm start and npm test do it for you).');
  process.exit(1);
}
await import(entry.href);
