import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Db } from '../../infra/db/database.js';
import {
  postalCodeCentroid,
  productsOfAccount,
  searchProviders,
  specialtiesPresent,
} from '../../infra/directory/providers.repository.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { sendPage } from '../../infra/web/view.js';
import { DirectoryPage, type DirectoryView } from './directory.views.js';
import { PAGE_SIZE, parseDirectoryQuery } from './directory.query.js';

// R34: the provider directory. `/directory` is public; `/area/directory` is the same search limited to the
// networks of the signed-in member's products (their policies in force).

export interface DirectoryDeps {
  db: Db;
  sessions: Sessions;
}

export async function directoryRoutes(app: FastifyInstance, deps: DirectoryDeps): Promise<void> {
  const { db } = deps;

  async function view(request: FastifyRequest, path: string, products?: string[]): Promise<DirectoryView> {
    const { query, errors } = parseDirectoryQuery(request.query);
    const specialties = await specialtiesPresent(db.kysely, products);
    if (query.specialty && !specialties.includes(query.specialty))
      errors.push({ field: 'specialty', code: 'not_allowed' });
    const base: DirectoryView = { path, query, errors, specialties, ...(products ? { products } : {}) };
    if (errors.length) return base;
    let origin = query.location;
    let sortedFrom = origin ? request.pageContext().t('directory.yourLocation') : undefined;
    let nearUnknown = false;
    if (!origin && query.near) {
      origin = await postalCodeCentroid(db.kysely, query.near);
      if (origin) sortedFrom = query.near;
      else nearUnknown = true;
    }
    const searched = query.q || query.place || query.specialty || origin || products;
    if (!searched) return { ...base, nearUnknown };
    const result = await searchProviders(db, {
      text: query.q,
      place: query.place,
      ...(query.specialty ? { specialty: query.specialty } : {}),
      ...(products ? { products } : {}),
      ...(origin ? { origin } : {}),
      page: query.page,
      pageSize: PAGE_SIZE,
    });
    return { ...base, result, nearUnknown, ...(sortedFrom ? { sortedFrom } : {}) };
  }

  app.get('/directory', async (request, reply) => {
    const v = await view(request, '/directory');
    return sendPage(
      reply,
      <DirectoryPage ctx={request.pageContext()} view={v} />,
      v.errors.length ? 'invalid' : 'shown',
    );
  });

  await app.register(async (area) => {
    area.addHook('preHandler', requireMember(deps.sessions, db));
    area.get('/area/directory', async (request, reply) => {
      const products = await productsOfAccount(db.kysely, request.memberSession!.accountId);
      const v = await view(request, '/area/directory', products);
      return sendPage(
        reply,
        <DirectoryPage ctx={request.pageContext()} view={v} />,
        v.errors.length ? 'invalid' : 'shown',
      );
    });
  });
}
