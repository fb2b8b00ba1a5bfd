/** @file rmbench's own version, read from package.json (same relative depth from src/ and dist/). */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RMBENCH_VERSION: string = (
  JSON.parse(readFileSync(fileURLToPath(new URL('../package.json', import.meta.url)), 'utf8')) as { version: string }
).version;
