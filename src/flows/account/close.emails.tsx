import {
  emailHtml,
  renderChangeNotice,
  textFooter,
  type EmailTemplate,
} from '../../infra/outbox/templates/email-layout.js';

/** R36: the code that confirms closing the account, sent to the account's own email. */
export const closeCodeEmail: EmailTemplate<{ code: string }> = {
  name: 'close-code',
  waitedFor: true,
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.closeCode.subject', { code: p.code, brand: brand.name });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.closeCode.intro')}</p>
        <p style="font-size:28px;font-weight:bold;letter-spacing:6px;margin:16px 0">{p.code}</p>
        <p>{t('email.closeCode.notYou', { email: brand.supportEmail })}</p>
      </>,
    );
    const text = [
      t('email.closeCode.intro'),
      '',
      p.code,
      '',
      t('email.closeCode.notYou', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

/** R36: the one email a closed account still gets: it is closed, and until when it can be reopened. */
export const accountClosedEmail: EmailTemplate<{ until: string }> = {
  name: 'account-closed',
  render: (ctx, p) =>
    renderChangeNotice(
      ctx,
      ctx.t('email.accountClosed.subject', { brand: ctx.brand.name }),
      ctx.t('email.accountClosed.body', { until: p.until }),
      ctx.t('email.accountClosed.notYou', { email: ctx.brand.supportEmail }),
    ),
};
