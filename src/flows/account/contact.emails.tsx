import {
  emailHtml,
  renderChangeNotice,
  textFooter,
  type EmailContext,
  type EmailTemplate,
} from '../../infra/outbox/templates/email-layout.js';

/** R15: the code that proves the new email is the member's; sent to the new address only. */
export const contactCodeEmail: EmailTemplate<{ code: string }> = {
  name: 'contact-code',
  waitedFor: true,
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.contactCode.subject', { code: p.code, brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.contactCode.intro')}</p>
        <p style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:16px 0">{p.code}</p>
        <p>{t('email.contactCode.valid')}</p>
        <p>{t('email.contactCode.notYou')}</p>
      </>,
    );
    const text = [
      t('email.contactCode.intro'),
      '',
      p.code,
      '',
      t('email.contactCode.valid'),
      '',
      t('email.contactCode.notYou'),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

const renderNotice = (ctx: EmailContext, subject: string, body: string) =>
  renderChangeNotice(ctx, subject, body, ctx.t('email.contactChanged.notYou', { email: ctx.brand.supportEmail }));

/** R15: the old email hears that the account's email changed, and to which address. */
export const emailChangedEmail: EmailTemplate<{ newEmail: string }> = {
  name: 'email-changed',
  render: (ctx, p) =>
    renderNotice(
      ctx,
      ctx.t('email.emailChanged.subject', { brand: ctx.brand.name }),
      ctx.t('email.emailChanged.body', { email: p.newEmail }),
    ),
};

/** R15: the account's email hears of a new mobile, shown masked (an inbox is not always private). */
export const mobileChangedEmail: EmailTemplate<{ maskedMobile: string }> = {
  name: 'mobile-changed',
  render: (ctx, p) =>
    renderNotice(
      ctx,
      ctx.t('email.mobileChanged.subject', { brand: ctx.brand.name }),
      ctx.t('email.mobileChanged.body', { mobile: p.maskedMobile }),
    ),
};

/** R15: the account's email hears that the mobile was removed. */
export const mobileRemovedEmail: EmailTemplate<Record<string, never>> = {
  name: 'mobile-removed',
  render: (ctx) =>
    renderNotice(
      ctx,
      ctx.t('email.mobileRemoved.subject', { brand: ctx.brand.name }),
      ctx.t('email.mobileRemoved.body'),
    ),
};
