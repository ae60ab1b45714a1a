export { openDatabase, type Database, type Sql, type OpenDatabaseOptions } from './database.js';
export { migrate, type Migration } from './migrations.js';
export { databaseSchemaVersion, DatabaseSchemaRefused } from './database-schema.js';
