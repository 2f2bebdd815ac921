import type { Queryable } from '@databases/pg';

/** A pool, a task's connection or a transaction: the sync's SQL runs on whichever it is given. */
export type Db = Queryable;
