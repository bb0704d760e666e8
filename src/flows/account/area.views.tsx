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
            <option value={v.memberNumber} selected={v.id === acting.id}>
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
        <>
          <h2>{t('card.title')}</h2>
          <MemberCard ctx={ctx} member={acting} />
          <p>
            <a href={`/area/card?member=${encodeURIComponent(acting.memberNumber)}`}>{t('card.print')}</a>
          </p>
        </>
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
        {visible.map((v) => (
          <li>
            {v.firstName} {v.lastName} · {v.memberNumber} ·{' '}
            {v.relation === 'self' ? t('area.peopleSelf') : t('area.peopleMinor')}
          </li>
        ))}
      </ul>
      <h2>{t('area.manage')}</h2>
      <ul class="links">
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
