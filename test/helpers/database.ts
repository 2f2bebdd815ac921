/**
 * Real PostgreSQL for the cross-package tests: the sql package's test databases (sql/test/database.ts,
 * exported as `@yclients-pg/sql/testing`), so the sql tests and these share one implementation, one
 * migrated template and, within a test file, one choice of server (useOwnServer).
 */
export * from '@yclients-pg/sql/testing';
