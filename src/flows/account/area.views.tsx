import { maskDocument } from '../../domain/identity-document.js';
import { Form, Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import type { VisibleMember } from './member-selector.js';
import { ContactText, EmailLink, PhoneLink } from '../../infra/web/contact-links.js';
import { brandLogoSrc } from '../../infra/web/layout.js';
import { StatusBadge } from '../../infra/web/status-badge.js';
import { staticPart } from '../../infra/web/static-part.js';
import { render } from 'preact-render-to-string';
import type { RequestStatus } from '../../domain/request-status.js';

export function formatDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return `${d}/${m}/${y}`;
}

/** R33: the address a card's QR code carries, and the QR code itself (a PNG data: URI). */
export interface CardCheck {
  url: string;
  qr: string;
}

/**
 * The digital member card (R13, R33): the brand's logo, name, numbers, product, date of birth, valid-until date and
 * the emergency phone (tap to call); on its own page, the QR code of its check address. Readable on a 360 px phone,
 * one printed page.
 */
export function MemberCard({ ctx, member, check }: { ctx: PageContext; member: VisibleMember; check?: CardCheck }) {
  const { t, brand } = ctx;
  const emergency = brand.emergencyPhone ?? brand.supportPhone;
  const cancelled = member.policyStatus !== 'active';
  return (
    <section
      class={`member-card${cancelled ? ' member-card--cancelled' : ''}`}
      aria-labelledby={`card-${member.memberNumber}`}
    >
      <div class="card-head">
        <img src={brandLogoSrc(brand)} alt="" class="card-logo" height={32} />
        <p class="card-brand">{brand.name}</p>
      </div>
      <h3 class="card-name" id={`card-${member.memberNumber}`}>
        {member.firstName} {member.lastName}
      </h3>
      {/* The member number and the product (a long name) take a row each; the short values share rows. */}
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
        <div>
          <dt>{t('card.validUntil')}</dt>
          <dd class="card-valid">{member.endDate ? formatDate(member.endDate) : t('card.noEnd')}</dd>
        </div>
        {emergency ? (
          <div>
            <dt>{t('card.emergency')}</dt>
            <dd class="card-emergency">
              <PhoneLink phone={emergency} />
            </dd>
          </div>
        ) : null}
      </dl>
      {cancelled ? <p class="card-invalid">{t('card.notValid')}</p> : null}
      {check && !cancelled ? (
        <div class="card-qr">
          <img src={check.qr} alt={t('card.qrAlt', { url: check.url })} width={132} height={132} />
        </div>
      ) : null}
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
 * R33), or the minor's whose area is shown (R14). Each links to its own page, with its QR code.
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
            <p class="card-open">
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

/** A request as the home lists it: its reference, kind and last status (R31). */
export interface RecentRequest {
  reference: string;
  type: 'reimbursement' | 'authorization';
  status: RequestStatus;
}

/** R37: the home's tiles, each one tap from what a member comes for. */
function Dashboard({ ctx, requests }: { ctx: PageContext; requests: RecentRequest[] }) {
  // The first tile is the member's; the other three are the same for everyone in a language (static-part.ts).
  const html =
    render(<RequestsTile ctx={ctx} requests={requests} />) +
    staticPart(ctx, 'home.tiles', () => <StaticTiles ctx={ctx} />);
  return <div class="dashboard" dangerouslySetInnerHTML={{ __html: html }} />;
}

function RequestsTile({ ctx, requests }: { ctx: PageContext; requests: RecentRequest[] }) {
  const { t } = ctx;
  return (
    <section class="card tile" aria-labelledby="tile-requests">
      <h2 id="tile-requests">{t('dashboard.requests')}</h2>
      {requests.length === 0 ? (
        <p class="muted">{t('dashboard.requestsNone')}</p>
      ) : (
        <ul class="tile-list">
          {requests.map((r) => (
            <li>
              <span>
                <span class="request-reference">{r.reference}</span>{' '}
                <span class="muted">· {t(`status.requestType.${r.type}`)}</span>
              </span>
              <StatusBadge t={t} status={r.status} />
            </li>
          ))}
        </ul>
      )}
      <p class="tile-actions">
        <a href="/area/requests">{t('dashboard.requestsAll')}</a>
      </p>
    </section>
  );
}

function StaticTiles({ ctx }: { ctx: PageContext }) {
  const { t, brand } = ctx;
  return (
    <>
      <section class="card tile" aria-labelledby="tile-documents">
        <h2 id="tile-documents">{t('dashboard.documents')}</h2>
        <p>{t('dashboard.documentsBody')}</p>
        <p class="tile-actions">
          <a href="/area/documents">{t('dashboard.documentsAll')}</a>
          <a href="/area/certificate">{t('certificate.link')}</a>
        </p>
      </section>
      <section class="card tile" aria-labelledby="tile-doctors">
        <h2 id="tile-doctors">{t('dashboard.doctors')}</h2>
        <p>{t('dashboard.doctorsBody')}</p>
        <p class="tile-actions">
          <a href="/area/directory" class="button button--secondary">
            {t('dashboard.doctorsSearch')}
          </a>
        </p>
      </section>
      <section class="card tile" aria-labelledby="tile-help">
        <h2 id="tile-help">{t('dashboard.help')}</h2>
        {brand.emergencyPhone ? (
          <p>
            <ContactText t={t} k="dashboard.emergency" phone={brand.emergencyPhone} />
          </p>
        ) : null}
        <ul class="link-list">
          {brand.supportPhone ? (
            <li>
              <PhoneLink phone={brand.supportPhone} />
            </li>
          ) : null}
          <li>
            <EmailLink email={brand.supportEmail} />
          </li>
          <li>
            <a href="/help">{t('dashboard.helpLink')}</a>
          </li>
        </ul>
      </section>
    </>
  );
}

export interface AreaHomeProps {
  ctx: PageContext;
  owner: VisibleMember | undefined;
  acting: VisibleMember | undefined;
  visible: VisibleMember[];
  policies: VisibleMember[];
  /** The last few requests of the people shown, newest first (R31). */
  requests: RecentRequest[];
}

/**
 * R13, R37: the home as a dashboard: greeting, selector, the card(s) of whoever is shown, then requests, documents,
 * doctors and help one tap away, then policies, insured people and the account's settings.
 */
export function AreaHomePage({ ctx, owner, acting, visible, policies, requests }: AreaHomeProps) {
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
      <div class="home-grid">
        <div class="home-cards">
          {acting ? (
            <Cards ctx={ctx} cards={acting.relation === 'minor' ? [acting] : own} />
          ) : (
            <Notice>{t('area.noPolicies')}</Notice>
          )}
        </div>
        <Dashboard ctx={ctx} requests={requests} />
      </div>
      <h2>{t('area.policies')}</h2>
      <div class="cards">
        {policies.map((p) => (
          <section class="card policy">
            <h3>{p.product}</h3>
            <dl class="meta">
              <dt>{t('area.policyNumber')}</dt>
              <dd>{p.policyNumber}</dd>
              <dt>{t('area.status')}</dt>
              <dd>
                <span class={`badge badge--${p.policyStatus}`}>
                  {p.policyStatus === 'active' ? t('area.active') : t('area.cancelled')}
                </span>
              </dd>
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
      <div
        class="card"
        dangerouslySetInnerHTML={{ __html: staticPart(ctx, 'home.manage', () => <ManageLinks ctx={ctx} />) }}
      />
    </Layout>
  );
}

/** The account's settings, one tap each: the same for everyone in a language. */
function ManageLinks({ ctx }: { ctx: PageContext }) {
  const { t } = ctx;
  return (
    <ul class="links link-grid">
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
      <li>
        <a href="/area/data">{t('data.link')}</a>
      </li>
    </ul>
  );
}

/** The cards alone, each with its QR code, for showing at a clinic or printing (R13, R33). */
export function CardPage({
  ctx,
  cards,
}: {
  ctx: PageContext;
  cards: { member: VisibleMember; check: CardCheck | undefined; wallet: { apple?: string; google?: string } }[];
}) {
  const { t } = ctx;
  const title = cards.length > 1 ? t('card.titleMany') : t('card.title');
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <ul class="member-cards member-cards--page">
        {cards.map(({ member, check, wallet }) => (
          <li>
            <MemberCard ctx={ctx} member={member} check={check} />
            {wallet.apple || wallet.google ? (
              <p class="actions wallet-actions no-print">
                {wallet.apple ? (
                  <a class="button" href={wallet.apple}>
                    {t('card.appleWallet')}
                  </a>
                ) : null}
                {wallet.google ? (
                  <a class="button" href={wallet.google}>
                    {t('card.googleWallet')}
                  </a>
                ) : null}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
      <p class="no-print">{t('card.qrHint')}</p>
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
