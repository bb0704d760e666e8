import {
  emailButton,
  emailHtml,
  renderChangeNotice,
  textFooter,
  type EmailTemplate,
} from '../infra/outbox/templates/email-layout.js';

export interface PasskeyChangedParams {
  change: 'added' | 'removed' | 'removedByStaff';
  name: string;
  /** For an added passkey: the single-use "this wasn't me" link (R28), which removes every passkey. */
  notMeLink?: string;
}

/** R27: the member hears of every passkey added to or removed from their account, by them or by customer service. */
export const passkeyChangedEmail: EmailTemplate<PasskeyChangedParams> = {
  name: 'passkey-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.passkey.subject', { brand: brand.name });
    const body = t(
      p.change === 'added'
        ? 'email.passkey.added'
        : p.change === 'removed'
          ? 'email.passkey.removed'
          : 'email.passkey.removedByStaff',
      { name: p.name },
    );
    if (!p.notMeLink)
      return renderChangeNotice(ctx, subject, body, t('email.passkey.notYou', { email: brand.supportEmail }));
    // Issue 25: a new password alone would leave an intruder's passkey in place; the member's one click removes it.
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{body}</p>
        <p>{t('email.newDevice.ifYou')}</p>
        <p>
          <strong>{t('email.passkey.ifNotYouAdded')}</strong>
        </p>
        {emailButton(p.notMeLink, t('email.newDevice.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.newDevice.valid')}</p>
        <p>{t('email.newDevice.support', { email: brand.supportEmail })}</p>
      </>,
    );
    const text = [
      body,
      '',
      t('email.newDevice.ifYou'),
      '',
      t('email.passkey.ifNotYouAdded'),
      `${t('email.newDevice.cta')}: ${p.notMeLink}`,
      t('email.newDevice.valid'),
      '',
      t('email.newDevice.support', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
