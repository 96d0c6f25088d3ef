// Regenerates schema/*.json from the zod schemas: npx tsx src/config/write-schemas.ts
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { schemaFiles } from './json-schema.js';

const dir = fileURLToPath(new URL('../../schema/', import.meta.url));
await mkdir(dir, { recursive: true });
for (const [name, text] of Object.entries(schemaFiles())) {
  await writeFile(path.join(dir, name), text);
  console.log(`wrote schema/${name}`);
}
