import type { Vouched } from '../../identity/verification.js';
import { initialsOf } from '../../identity/verification.js';
import { longDate } from '../../infra/i18n/dates.js';
import { Notice } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';

export interface VerifyPageProps {
  ctx: PageContext;
  /** What the token vouches for; undefined for a token we never issued. */
  vouched: Vouched | undefined;
  /** Today in the insurer's time zone (YYYY-MM-DD). */
  today: string;
  /** The day the certificate was made, in the insurer's time zone (YYYY-MM-DD). */
  issuedOn?: string;
}

/**
 * R32: what a certificate's verification address tells anyone who has it: genuine or not, the cover in force today
 * or not, and only the name's initials, the product and the dates.
 */
export function VerifyPage({ ctx, vouched, today, issuedOn }: VerifyPageProps) {
  const { t, brand, lang } = ctx;
  const params = { brand: brand.name, today: longDate(today, lang) };
  if (!vouched)
    return (
      <Layout ctx={ctx} title={t('verification.title')} noindex>
        <h1>{t('verification.title')}</h1>
        <Notice kind="error" title={t('verification.notGenuine.heading')}>
          <p>{t('verification.notGenuine.body', params)}</p>
        </Notice>
      </Layout>
    );
  const state = vouched.activeToday ? 'genuine' : 'inactive';
  return (
    <Layout ctx={ctx} title={t('verification.title')} noindex>
      <h1>{t('verification.title')}</h1>
      <Notice kind={vouched.activeToday ? 'success' : 'error'} title={t(`verification.${state}.heading`)}>
        <p>{t(`verification.${state}.body`, params)}</p>
      </Notice>
      <dl class="meta verify-facts">
        <dt>{t('verification.initials')}</dt>
        <dd>{initialsOf(vouched.firstName, vouched.lastName)}</dd>
        <dt>{t('verification.product')}</dt>
        <dd>{vouched.product}</dd>
        <dt>{t('verification.start')}</dt>
        <dd>{longDate(vouched.startDate, lang)}</dd>
        <dt>{t('verification.end')}</dt>
        <dd>{vouched.endDate ? longDate(vouched.endDate, lang) : t('verification.noEnd')}</dd>
        <dt>{t('verification.issued')}</dt>
        <dd>{longDate(issuedOn ?? vouched.issuedAt, lang)}</dd>
      </dl>
      <p class="hint">{t('verification.privacy')}</p>
    </Layout>
  );
}

/**
 * R33: what a card's QR code tells a clinic's receptionist: valid today or not, with the initials, the product and
 * the dates; nothing else (no birth date, no document, no member number). An address we never issued, or a
 * certificate's, is "not recognised", alike.
 */
export function CardCheckPage({ ctx, vouched, today }: Omit<VerifyPageProps, 'issuedOn'>) {
  const { t, brand, lang } = ctx;
  const params = { brand: brand.name, today: longDate(today, lang) };
  const state = !vouched ? 'unknown' : vouched.activeToday ? 'valid' : 'invalid';
  return (
    <Layout ctx={ctx} title={t('cardCheck.title')} noindex>
      <h1>{t('cardCheck.title')}</h1>
      <Notice kind={state === 'valid' ? 'success' : 'error'} title={t(`cardCheck.${state}.heading`)}>
        <p>{t(`cardCheck.${state}.body`, params)}</p>
      </Notice>
      {vouched ? (
        <>
          <dl class="meta verify-facts">
            <dt>{t('cardCheck.initials')}</dt>
            <dd>{initialsOf(vouched.firstName, vouched.lastName)}</dd>
            <dt>{t('verification.product')}</dt>
            <dd>{vouched.product}</dd>
            <dt>{t('verification.start')}</dt>
            <dd>{longDate(vouched.startDate, lang)}</dd>
            <dt>{t('verification.end')}</dt>
            <dd>{vouched.endDate ? longDate(vouched.endDate, lang) : t('verification.noEnd')}</dd>
          </dl>
          <p class="hint">{t('cardCheck.privacy')}</p>
        </>
      ) : null}
    </Layout>
  );
}
