import { DEFAULT_PG_DRIVER, PG_DRIVERS, type PgDriver } from '../../src/infra/db/pg-driver.js';

/** PostgreSQL's driver in these tests: PG_DRIVER if it names one (`PG_DRIVER=postgres npm test`), else the default. */
export const TEST_PG_DRIVER: PgDriver = PG_DRIVERS.find((d) => d === process.env.PG_DRIVER) ?? DEFAULT_PG_DRIVER;
