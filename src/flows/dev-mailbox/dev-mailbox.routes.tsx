import type { FastifyInstance } from 'fastify';
import type { Brand } from '../../config.js';
import type { Db } from '../../infra/db/database.js';
import type { OutboxMessage } from '../../infra/db/tables.js';
import { findMessage, listRecentMessages, openMessage } from '../../infra/outbox/outbox.repository.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import { EMAIL_LOGO_CID } from '../../infra/outbox/templates/email-layout.js';
import { emailLogoPng } from '../../infra/web/brand-logo.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';

function MailboxPage({ ctx, messages }: { ctx: PageContext; messages: OutboxMessage[] }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('mailbox.title')}>
      <h1>{t('mailbox.title')}</h1>
      <p>{t('mailbox.lead')}</p>
      {messages.length === 0 ? <p>{t('mailbox.empty')}</p> : null}
      <ol class="mailbox" reversed>
        {messages.map((m) => (
          <li class="card mail" id={`m${m.id}`}>
            <h2>
              <span class="tag">{m.channel === 'sms' ? 'SMS' : 'Email'}</span> {m.subject ?? m.body_text.slice(0, 60)}
            </h2>
            <dl class="meta">
              <dt>{t('mailbox.to')}</dt>
              <dd class="recipient">{m.recipient}</dd>
              <dt>{t('mailbox.status')}</dt>
              <dd>
                {m.status} · {m.created_at}
              </dd>
            </dl>
            <h3>{t('mailbox.text')}</h3>
            <pre class="body-text">{m.body_text}</pre>
            {m.body_html ? (
              <p>
                <a href={`/dev/mailbox/${m.id}.html`}>{t('mailbox.viewHtml')}</a>
              </p>
            ) : null}
          </li>
        ))}
      </ol>
    </Layout>
  );
}

/** The Host headers the mailbox answers to: the portal's own address, and this machine's names on its port. */
export function mailboxHosts(publicUrl: string, port: number): ReadonlySet<string> {
  const hosts = new Set([new URL(publicUrl).host.toLowerCase()]);
  for (const name of ['localhost', '127.0.0.1', '[::1]']) hosts.add(`${name}:${port}`);
  return hosts;
}

export interface DevMailboxOptions {
  db: Db;
  box: SecretBox;
  /** PUBLIC_URL and PORT: together the only hosts the mailbox answers to. */
  publicUrl: string;
  port: number;
  /** The brand, whose logo an email names by Content-ID: shown here in its place, as a mail client would. */
  brand: Brand;
}

/** The development mailbox (PRODUCT §4): every email and SMS the system would have sent, newest first. */
export async function devMailboxRoutes(app: FastifyInstance, opts: DevMailboxOptions): Promise<void> {
  const hosts = mailboxHosts(opts.publicUrl, opts.port);
  // DNS rebinding (issue 25): a page on evil.example whose name later resolves to 127.0.0.1 reads same-origin what
  // this machine serves, every code and link included. Its requests still say `Host: evil.example`; only ours answer.
  app.addHook('preHandler', async (request, reply) => {
    if (hosts.has(request.headers.host?.toLowerCase() ?? '')) return;
    const ctx = request.pageContext();
    return sendPage(
      reply,
      <ErrorPage ctx={ctx} titleKey="mailbox.wrongHost.title" bodyKey="mailbox.wrongHost.body" />,
      'misdirected',
    );
  });
  app.get('/dev/mailbox', async (request, reply) => {
    const messages = (await listRecentMessages(opts.db.kysely, 200)).map((m) => openMessage(opts.box, m));
    return sendPage(reply, <MailboxPage ctx={request.pageContext()} messages={messages} />);
  });
  app.get<{ Params: { id: string } }>('/dev/mailbox/:id.html', async (request, reply) => {
    const id = Number(request.params.id);
    const found = Number.isSafeInteger(id) ? await findMessage(opts.db.kysely, id) : undefined;
    const message = found && openMessage(opts.box, found);
    if (!message?.body_html) return reply.callNotFound();
    // A mail client shows the logo attached under its Content-ID; a browser knows no cid:, so it is inlined here.
    const logo = await emailLogoPng(opts.brand);
    const html = logo
      ? message.body_html.replaceAll(`cid:${EMAIL_LOGO_CID}`, `data:image/png;base64,${logo.toString('base64')}`)
      : message.body_html;
    // Email HTML carries inline styles (as mail clients need); this dev-only page lets styles run but never scripts.
    return reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      )
      .send(html);
  });
}
