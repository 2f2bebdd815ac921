export * from './database-url';
export * from './embedded';
