export * from './connect';
export * from './database-url';
export * from './embedded';
export * from './migrate';
export * from './scratch-server';
export * from './server';
