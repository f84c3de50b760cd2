import { existsSync } from 'node:fs';

/** Loads `.env` from the working folder into process.env; variables already set win. */
export function loadEnvFile(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}
