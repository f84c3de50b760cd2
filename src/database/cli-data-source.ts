// For the TypeORM CLI (`npm run migration:run`, `migration:revert`, `migration:show`).
import { DataSource } from 'typeorm';
import { loadEnvFile } from '../config/env-file';
import { loadSettings } from '../config/settings';
import { dataSourceOptions } from './data-source';

loadEnvFile();
export default new DataSource(dataSourceOptions(loadSettings().database));
