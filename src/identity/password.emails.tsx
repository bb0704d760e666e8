import { emailHtml, textFooter, type EmailTemplate } from '../infra/outbox/templates/email-layout.js';

// The recovery link's email (R11) lives with the link's issuing, in src/identity/recovery-links.emails.tsx.

/** R11, R12: the member hears of every password change. */
export const passwordChangedEmail: EmailTemplate<{ how: 'reset' | 'change' }> = {
  name: 'password-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.passwordChanged.subject', { brand: brand.name });
    const body = p.how === 'reset' ? t('email.passwordChanged.reset') : t('email.passwordChanged.change');
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>{t('email.passwordChanged.sessions')}</p>
        <p>
          <strong>{t('email.passwordChanged.notYou', { email: brand.supportEmail })}</strong>
        </p>
      </>,
    );
    const text = [
      body,
      '',
      t('email.passwordChanged.sessions'),
      '',
      t('email.passwordChanged.notYou', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
