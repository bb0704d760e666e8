import type { FastifyInstance } from 'fastify';
import type { Brand, Config, LegalText } from '../../config.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';

// R30: the insurer's legal texts (Spain's RD 193/2023 asks for the accessibility statement; the GDPR for the privacy
// notice), from the brand file: the text shown here in the member's language, or a redirect to the insurer's page.
// /.well-known/security.txt (RFC 9116) names where to report a vulnerability.

export const LEGAL_PAGES = {
  privacy: { key: 'privacy', title: 'legal.privacy' },
  'legal-notice': { key: 'legalNotice', title: 'legal.legalNotice' },
  cookies: { key: 'cookies', title: 'legal.cookies' },
  accessibility: { key: 'accessibility', title: 'legal.accessibility' },
} as const satisfies Record<string, { key: keyof NonNullable<Brand['legal']>; title: MessageKey }>;

type Slug = keyof typeof LEGAL_PAGES;

function LegalPage({ ctx, title, text }: { ctx: PageContext; title: string; text: string }) {
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      {text.split(/\n\s*\n/).map((paragraph) => (
        <p>{paragraph.trim()}</p>
      ))}
    </Layout>
  );
}

/** RFC 9116: Contact, Expires (a year ahead, at midnight UTC), languages and the canonical address. */
export function securityTxt(contact: string, publicUrl: string, now: Date): string {
  const expires = new Date(Date.UTC(now.getUTCFullYear() + 1, now.getUTCMonth(), now.getUTCDate()));
  return [
    `Contact: ${contact}`,
    `Expires: ${expires.toISOString().replace('.000Z', 'Z')}`,
    'Preferred-Languages: es, en',
    `Canonical: ${publicUrl}/.well-known/security.txt`,
    '',
  ].join('\n');
}

export async function legalRoutes(app: FastifyInstance, deps: { config: Config; now: () => Date }): Promise<void> {
  const { brand, publicUrl } = deps.config;
  app.get<{ Params: { page: string } }>('/legal/:page', async (request, reply) => {
    const slug = request.params.page;
    const page = Object.hasOwn(LEGAL_PAGES, slug) ? LEGAL_PAGES[slug as Slug] : undefined;
    const text: LegalText | undefined = page && brand.legal?.[page.key];
    if (!page || !text) return reply.callNotFound();
    if ('url' in text) return reply.redirect(text.url, 303);
    const ctx = request.pageContext();
    return sendPage(reply, <LegalPage ctx={ctx} title={ctx.t(page.title)} text={text[ctx.lang]} />);
  });

  app.get('/.well-known/security.txt', async (_request, reply) => {
    if (!brand.securityContact) return reply.callNotFound();
    return reply.type('text/plain; charset=utf-8').send(securityTxt(brand.securityContact, publicUrl, deps.now()));
  });
}
