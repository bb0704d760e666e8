import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

export type StaffLinkReason = 'created' | 'reset' | 'totp_reset';

const INTRO = {
  created: 'email.staffPassword.created',
  reset: 'email.staffPassword.reset',
  totp_reset: 'email.staffPassword.totpReset',
} as const;

/** Issue 15, R23: the single-use link with which a staff user chooses their own password (24 hours). */
export const staffPasswordLinkEmail: EmailTemplate<{ link: string; username: string; reason: StaffLinkReason }> = {
  name: 'staff-password-link',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.staffPassword.subject', { brand: brand.name });
    const intro = t(INTRO[p.reason], { brand: brand.name, username: p.username });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{intro}</p>
        {emailButton(p.link, t('email.staffPassword.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.staffPassword.valid')}</p>
        <p>{t('email.staffPassword.notYou')}</p>
      </>,
    );
    const text = [
      intro,
      '',
      `${t('email.staffPassword.cta')}: ${p.link}`,
      '',
      t('email.staffPassword.valid'),
      '',
      t('email.staffPassword.notYou'),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

/** A staff user hears of every change of their password. */
export const staffPasswordChangedEmail: EmailTemplate<{ username: string }> = {
  name: 'staff-password-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.staffPasswordChanged.subject', { brand: brand.name });
    const body = t('email.staffPasswordChanged.body', { brand: brand.name, username: p.username });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>{t('email.staffPasswordChanged.notYou')}</p>
      </>,
    );
    const text = [body, '', t('email.staffPasswordChanged.notYou'), textFooter(ctx)].join('\n');
    return { subject, text, html };
  },
};
