import { emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/**
 * R31: the code that confirms a new bank account for a refund (step-up). Read on a lock screen, it says nothing of
 * the request: no concept, provider, amount or patient, and not the account either; only the code and what it is for.
 */
export const stepUpCodeEmail: EmailTemplate<{ code: string }> = {
  name: 'request-stepup-code',
  waitedFor: true,
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.requestStepUp.subject', { code: p.code, brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.requestStepUp.intro')}</p>
        <p style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:16px 0">{p.code}</p>
        <p>{t('email.requestStepUp.valid')}</p>
        <p>{t('email.requestStepUp.notYou', { email: brand.supportEmail })}</p>
      </>,
    );
    const text = [
      t('email.requestStepUp.intro'),
      '',
      p.code,
      '',
      t('email.requestStepUp.valid'),
      '',
      t('email.requestStepUp.notYou', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
