import { join } from 'node:path';

/** The portal's static files (public/), from the compiled module's place in dist/src/infra/web. */
export const defaultPublicDir = join(import.meta.dirname, '..', '..', '..', '..', 'public');
