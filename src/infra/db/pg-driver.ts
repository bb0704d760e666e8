/** PostgreSQL's driver: `pg` (node-postgres, with pg-prepared.ts) or `postgres` (postgres.js, postgres-js.ts). */
export type PgDriver = 'pg' | 'postgres';
export const PG_DRIVERS = ['pg', 'postgres'] as const satisfies readonly PgDriver[];
export const DEFAULT_PG_DRIVER: PgDriver = 'pg';
