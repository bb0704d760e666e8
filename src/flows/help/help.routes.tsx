import type { FastifyInstance } from 'fastify';
import type { ComponentChildren } from 'preact';
import { ContactText, EmailLink, PhoneLink, RichText } from '../../infra/web/contact-links.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';

// R26 help centre: every question of the insurer's help text, in the insurer's words for things ("número de
// asegurado", "código de verificación", "selector de asegurado"), on one page (/help, good for search, printing and
// text browsers) and one page a topic (/help/<slug>, linked from the forms where the question comes up). R18: the
// support contact on every topic.

interface HelpTopic {
  slug: string;
  title: MessageKey;
  intro?: MessageKey;
  /** Paragraphs, or the steps of an ordered list when `steps` is set. */
  paragraphs: MessageKey[];
  steps?: boolean;
  after?: MessageKey;
  /** Where the member goes next from this topic. */
  action?: { href: string; label: MessageKey };
}

/** The topics in the order a member meets them; the seed's questions map onto these (see help.test.ts). */
export const HELP_TOPICS: readonly HelpTopic[] = [
  { slug: 'area', title: 'help.area.title', paragraphs: ['help.area.1', 'help.area.2', 'help.area.3'] },
  {
    slug: 'who-can-register',
    title: 'help.whoCanRegister.title',
    paragraphs: ['help.whoCanRegister.1', 'help.whoCanRegister.2', 'help.whoCanRegister.3'],
  },
  {
    slug: 'register',
    title: 'help.register.title',
    intro: 'help.register.intro',
    paragraphs: ['help.register.1', 'help.register.2', 'help.register.3'],
    steps: true,
    after: 'help.register.after',
    action: { href: '/register', label: 'register.title' },
  },
  { slug: 'numbers', title: 'help.numbers.title', paragraphs: ['help.numbers.1', 'help.numbers.2', 'help.numbers.3'] },
  {
    slug: 'password-rules',
    title: 'help.passwordRules.title',
    paragraphs: ['help.passwordRules.1', 'help.passwordRules.2', 'help.passwordRules.3', 'help.passwordRules.4'],
  },
  {
    slug: 'two-step',
    title: 'help.twoStep.title',
    paragraphs: ['help.twoStep.1', 'help.twoStep.2', 'help.twoStep.3', 'help.twoStep.4', 'help.twoStep.5'],
  },
  {
    slug: 'no-email',
    title: 'help.noEmail.title',
    paragraphs: ['help.noEmail.1', 'help.noEmail.2', 'help.noEmail.3', 'help.noEmail.4'],
    action: { href: '/sign-in/verify', label: 'signin.title' },
  },
  {
    slug: 'no-sms',
    title: 'help.noSms.title',
    paragraphs: ['help.noSms.1', 'help.noSms.2', 'help.noSms.3', 'help.noSms.4'],
    action: { href: '/sign-in/verify', label: 'signin.title' },
  },
  {
    slug: 'expired',
    title: 'help.expired.title',
    paragraphs: ['help.expired.1', 'help.expired.2', 'help.expired.3'],
    action: { href: '/sign-in/verify', label: 'signin.title' },
  },
  {
    slug: 'forgot-password',
    title: 'help.forgotPassword.title',
    paragraphs: ['help.forgotPassword.1', 'help.forgotPassword.2', 'help.forgotPassword.3', 'help.forgotPassword.4'],
    action: { href: '/recovery', label: 'recovery.title' },
  },
  { slug: 'nie-to-nif', title: 'help.nieToNif.title', paragraphs: ['help.nieToNif.1', 'help.nieToNif.2'] },
  {
    slug: 'former-member',
    title: 'help.formerMember.title',
    paragraphs: ['help.formerMember.1', 'help.formerMember.2'],
    action: { href: '/sign-in', label: 'signin.title' },
  },
  { slug: 'minors', title: 'help.minors.title', paragraphs: ['help.minors.1', 'help.minors.2', 'help.minors.3'] },
  { slug: 'international', title: 'help.international.title', paragraphs: ['help.international.1'] },
  {
    slug: 'browsers',
    title: 'help.browsers.title',
    paragraphs: ['help.browsers.1', 'help.browsers.2', 'help.browsers.3', 'help.browsers.4'],
  },
  { slug: 'contact', title: 'help.contactUs.title', paragraphs: ['help.contactUs.1', 'help.contactUs.2'] },
];

/** The names a help text may use (R17, R18); the contacts are links, put in by HelpText. */
function names(ctx: PageContext) {
  return { brand: ctx.brand.name, product: ctx.brand.productName[ctx.lang] };
}

/** A help text with the contacts in it as mailto: and tel: links (issue 25 item 11). */
function HelpText({ ctx, k }: { ctx: PageContext; k: MessageKey }) {
  const { brand, t } = ctx;
  const intl = brand.internationalContact;
  const parts: Record<string, ComponentChildren> = {
    email: <EmailLink email={brand.supportEmail} />,
    intlContact: intl.phone ? (
      <ContactText t={t} k="help.intlContact.both" email={intl.email} phone={intl.phone} />
    ) : (
      <ContactText t={t} k="help.intlContact.email" email={intl.email} />
    ),
  };
  if (brand.supportPhone) parts.phone = <PhoneLink phone={brand.supportPhone} />;
  return <RichText t={t} k={k} params={{ ...names(ctx), phone: '' }} parts={parts} />;
}

function TopicBody({ ctx, topic, heading }: { ctx: PageContext; topic: HelpTopic; heading: 'h1' | 'h2' }) {
  const { t, brand } = ctx;
  const p = names(ctx);
  const Heading = heading;
  const text = (k: MessageKey) => <HelpText ctx={ctx} k={k} />;
  return (
    <>
      <Heading id={heading === 'h2' ? topic.slug : undefined}>{t(topic.title, p)}</Heading>
      {topic.intro ? <p>{text(topic.intro)}</p> : null}
      {topic.steps ? (
        <ol class="help-list">
          {topic.paragraphs.map((k) => (
            <li>{text(k)}</li>
          ))}
        </ol>
      ) : (
        topic.paragraphs.map((k) => <p>{text(k)}</p>)
      )}
      {topic.slug === 'contact' && brand.supportPhone ? <p>{text('help.contactUs.phone')}</p> : null}
      {topic.after ? <p>{text(topic.after)}</p> : null}
    </>
  );
}

function HelpCentrePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  const p = names(ctx);
  return (
    <Layout ctx={ctx} title={t('help.centre.title')}>
      <h1>{t('help.centre.title')}</h1>
      <p>
        <HelpText ctx={ctx} k="help.centre.intro" />
      </p>
      <nav aria-labelledby="help-contents">
        <h2 id="help-contents">{t('help.centre.contents')}</h2>
        <ul class="help-toc">
          {HELP_TOPICS.map((topic) => (
            <li>
              <a href={`#${topic.slug}`}>{t(topic.title, p)}</a>
            </li>
          ))}
        </ul>
      </nav>
      {HELP_TOPICS.map((topic) => (
        <section class="help-topic" aria-labelledby={topic.slug}>
          <TopicBody ctx={ctx} topic={topic} heading="h2" />
        </section>
      ))}
    </Layout>
  );
}

function HelpTopicPage({ ctx, topic }: { ctx: PageContext; topic: HelpTopic }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(topic.title, names(ctx))}>
      <TopicBody ctx={ctx} topic={topic} heading="h1" />
      {/* The sign-in troubles end with the way out when none of the advice works; the footer has the contact on
          every page. */}
      {topic.action?.href === '/sign-in/verify' ? (
        <p>
          <ContactText t={t} k="help.contact" email={ctx.brand.supportEmail} />
        </p>
      ) : null}
      <p>
        {topic.action ? (
          <>
            <a href={topic.action.href}>{t(topic.action.label)}</a>
            {' · '}
          </>
        ) : null}
        <a href={`/help#${topic.slug}`}>{t('help.centre.back')}</a>
      </p>
    </Layout>
  );
}

export async function helpRoutes(app: FastifyInstance): Promise<void> {
  const bySlug = new Map(HELP_TOPICS.map((topic) => [topic.slug, topic]));
  app.get('/help', async (request, reply) => sendPage(reply, <HelpCentrePage ctx={request.pageContext()} />));
  app.get<{ Params: { topic: string } }>('/help/:topic', async (request, reply) => {
    // A Map, not an object: "/help/__proto__" or "/help/toString" find nothing (issue 9).
    const topic = bySlug.get(request.params.topic);
    if (!topic) return reply.callNotFound();
    return sendPage(reply, <HelpTopicPage ctx={request.pageContext()} topic={topic} />);
  });
}
