import { maskDocument } from '../../domain/identity-document.js';
import { Form, Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { VisibleMember } from './member-selector.js';
import { ContactText } from '../../infra/web/contact-links.js';

export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** The digital member card (R13): readable on a 360 px phone, one printed page. */
export function MemberCard({ ctx, member }: { ctx: PageContext; member: VisibleMember }) {
  const { t, brand } = ctx;
  return (
    <section class="member-card" aria-labelledby={`card-${member.memberNumber}`}>
      <p class="card-brand">{brand.name}</p>
      <h3 class="card-name" id={`card-${member.memberNumber}`}>
        {member.firstName} {member.lastName}
      </h3>
      {/* The member number and the product (a long name) take a row each; the two short values share one. */}
      <dl class="card-data">
        <div class="card-wide">
          <dt>{t('card.memberNumber')}</dt>
          <dd class="card-number">{member.memberNumber}</dd>
        </div>
        <div>
          <dt>{t('card.policyNumber')}</dt>
          <dd>{member.policyNumber}</dd>
        </div>
        <div>
          <dt>{t('card.birthDate')}</dt>
          <dd>{formatDate(member.dateOfBirth)}</dd>
        </div>
        <div class="card-wide">
          <dt>{t('card.product')}</dt>
          <dd>{member.product}</dd>
        </div>
      </dl>
    </section>
  );
}

/** R14: the member selector, a plain form so it works without scripts. */
function MemberSelector({
  ctx,
  visible,
  acting,
}: {
  ctx: PageContext;
  visible: VisibleMember[];
  acting: VisibleMember;
}) {
  const { t } = ctx;
  const self = visible.find((v) => v.relation === 'self');
  const minors = visible.filter((v) => v.relation === 'minor');
  if (!self || minors.length === 0) return null;
  const people = [self, ...minors];
  return (
    <Form ctx={ctx} action="/area/switch" class="member-selector">
      <label for="member">{t('selector.label')}</label>
      <div class="selector-row">
        <select id="member" name="member">
          {people.map((v) => (
            <option
              value={v.memberNumber}
              selected={v.relation === 'self' ? acting.relation === 'self' : v.id === acting.id}
            >
              {v.firstName} {v.lastName}
              {v.relation === 'self' ? ` (${t('selector.you')})` : ''}
            </option>
          ))}
        </select>
        <button type="submit" class="secondary">
          {t('selector.switch')}
        </button>
      </div>
      <p class="hint">
        <a href="/help/minors">{t('help.minors.title')}</a>
      </p>
    </Form>
  );
}

/**
 * The cards on the home: the member's own, one per member record (a person on several policies has several, R13,
 * R33), or the minor's whose area is shown (R14). Each links to its printable page.
 */
function Cards({ ctx, cards }: { ctx: PageContext; cards: VisibleMember[] }) {
  const { t } = ctx;
  const several = cards.length > 1;
  return (
    <>
      <h2>{several ? t('card.titleMany') : t('card.title')}</h2>
      <ul class="member-cards">
        {cards.map((card) => (
          <li>
            <MemberCard ctx={ctx} member={card} />
            <p>
              <a href={`/area/card?member=${encodeURIComponent(card.memberNumber)}`}>
                {several ? t('card.printPolicy', { policy: card.policyNumber }) : t('card.print')}
              </a>
            </p>
          </li>
        ))}
      </ul>
    </>
  );
}

export interface AreaHomeProps {
  ctx: PageContext;
  owner: VisibleMember | undefined;
  acting: VisibleMember | undefined;
  visible: VisibleMember[];
  policies: VisibleMember[];
}

/** R13: greeting, selector, the card of the member shown, policies, insured people, links to data and security. */
export function AreaHomePage({ ctx, owner, acting, visible, policies }: AreaHomeProps) {
  const { t } = ctx;
  // One person, one account, several records (PRODUCT §2, R5): each record is a card of its own, the person is one.
  const own = visible.filter((v) => v.relation === 'self');
  return (
    <Layout ctx={ctx} title={t('area.title')}>
      <h1>{t('area.greeting', { name: owner?.firstName ?? '' })}</h1>
      {acting && owner ? <MemberSelector ctx={ctx} visible={visible} acting={acting} /> : null}
      {acting?.relation === 'minor' ? (
        <Notice kind="info">
          <p>{t('selector.viewing', { name: `${acting.firstName} ${acting.lastName}` })}</p>
        </Notice>
      ) : null}
      {acting ? (
        <Cards ctx={ctx} cards={acting.relation === 'minor' ? [acting] : own} />
      ) : (
        <Notice>{t('area.noPolicies')}</Notice>
      )}
      <h2>{t('area.policies')}</h2>
      <div class="cards">
        {policies.map((p) => (
          <section class="card policy">
            <h3>{p.product}</h3>
            <dl class="meta">
              <dt>{t('area.policyNumber')}</dt>
              <dd>{p.policyNumber}</dd>
              <dt>{t('area.status')}</dt>
              <dd>{p.policyStatus === 'active' ? t('area.active') : t('area.cancelled')}</dd>
              <dt>{t('area.since')}</dt>
              <dd>{formatDate(p.startDate)}</dd>
              {p.endDate ? (
                <>
                  <dt>{t('area.until')}</dt>
                  <dd>{formatDate(p.endDate)}</dd>
                </>
              ) : null}
            </dl>
          </section>
        ))}
      </div>
      <h2>{t('area.people')}</h2>
      <ul class="people">
        {own.length > 1 ? (
          <li>
            {own[0]!.firstName} {own[0]!.lastName} · {t('area.peopleSelf')}
            <ul>
              {own.map((v) => (
                <li>
                  {t('area.peopleRecord', { member: v.memberNumber, policy: v.policyNumber, product: v.product })}
                </li>
              ))}
            </ul>
          </li>
        ) : null}
        {visible
          .filter((v) => v.relation === 'minor' || own.length === 1)
          .map((v) => (
            <li>
              {v.firstName} {v.lastName} · {v.memberNumber} ·{' '}
              {v.relation === 'self' ? t('area.peopleSelf') : t('area.peopleMinor')}
            </li>
          ))}
      </ul>
      <h2>{t('area.manage')}</h2>
      <ul class="links">
        <li>
          <a href="/area/requests">{t('requests.areaLink')}</a>
        </li>
        <li>
          <a href="/area/documents">{t('documents.areaLink')}</a>
        </li>
        <li>
          <a href="/area/certificate">{t('certificate.link')}</a>
        </li>
        <li>
          <a href="/area/directory">{t('directory.areaLink')}</a>
        </li>
        <li>
          <a href="/area/contact">{t('nav.contact')}</a>
        </li>
        <li>
          <a href="/area/security">{t('nav.security')}</a>
        </li>
        <li>
          <a href="/area/security/password">{t('change.title')}</a>
        </li>
        <li>
          <a href="/area/username">{t('username.title')}</a>
        </li>
      </ul>
    </Layout>
  );
}

/** The card alone, for printing or showing at a clinic. */
export function CardPage({ ctx, member }: { ctx: PageContext; member: VisibleMember }) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t('card.title')}>
      <h1>{t('card.title')}</h1>
      <MemberCard ctx={ctx} member={member} />
      <p class="no-print">{t('card.printHint')}</p>
      <p class="no-print">
        <a href="/area">{t('change.back')}</a>
      </p>
    </Layout>
  );
}

/** R16: the username is the identity document; changing it is customer service's job. */
export function UsernamePage({
  ctx,
  username,
  documentType,
}: {
  ctx: PageContext;
  username: string;
  documentType: string;
}) {
  const { t, brand } = ctx;
  return (
    <Layout ctx={ctx} title={t('username.title')}>
      <h1>{t('username.title')}</h1>
      <p>{t('username.current', { type: documentType, number: maskDocument(username) })}</p>
      <p>{t('username.body')}</p>
      <p>
        <ContactText t={t} k="username.contact" email={brand.supportEmail} />
      </p>
      {brand.supportPhone ? (
        <p>
          <ContactText t={t} k="layout.supportPhone" phone={brand.supportPhone} />
        </p>
      ) : null}
    </Layout>
  );
}
