import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/** R7: the sign-in code, and a one-click link that works only in the browser that started the sign-in. */
export const signInCodeEmail: EmailTemplate<{ code: string; link: string }> = {
  name: 'signin-code',
  waitedFor: true,
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.signInCode.subject', { code: p.code, brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.signInCode.intro')}</p>
        <p style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:16px 0">{p.code}</p>
        <p>{t('email.signInCode.valid')}</p>
        <p>{t('email.signInCode.orLink')}</p>
        {emailButton(p.link, t('email.signInCode.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.signInCode.sameBrowser')}</p>
        <p>{t('email.signInCode.notYou')}</p>
      </>,
    );
    const text = [
      t('email.signInCode.intro'),
      '',
      p.code,
      '',
      t('email.signInCode.valid'),
      '',
      `${t('email.signInCode.orLink')} ${p.link}`,
      t('email.signInCode.sameBrowser'),
      '',
      t('email.signInCode.notYou'),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

/**
 * R9: sign-in paused after 10 failures in a row. When the pausing failure was a second-step code, the password was
 * right: the email says so and urges a new password.
 */
export const accountLockedEmail: EmailTemplate<{ minutes: number; step: 'password' | 'code' }> = {
  name: 'account-locked',
  render(ctx, p) {
    const { t, brand } = ctx;
    const link = `${ctx.publicUrl}/recovery`;
    const subject = t('email.locked.subject', { brand: brand.name });
    const body = t(p.step === 'code' ? 'email.locked.bodyCode' : 'email.locked.body', { minutes: p.minutes });
    const ifNotYou = t(p.step === 'code' ? 'email.locked.ifNotYouCode' : 'email.locked.ifNotYou', {
      email: brand.supportEmail,
    });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>{t('email.locked.ifYou')}</p>
        {emailButton(link, t('email.locked.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{ifNotYou}</p>
      </>,
    );
    const text = [
      body,
      '',
      t('email.locked.ifYou'),
      `${t('email.locked.cta')}: ${link}`,
      '',
      ifNotYou,
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
