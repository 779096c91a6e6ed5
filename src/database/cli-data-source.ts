import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { parseEnvironment } from '../config/environment.js';
import { dataSourceOptions } from './data-source-options.js';

// For the TypeORM CLI only (migration:generate / migration:show); the service builds its own in DatabaseModule.
const url = parseEnvironment(process.env).DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/dfm_dev';
export default new DataSource(dataSourceOptions(url));
