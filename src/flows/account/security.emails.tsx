import { renderChangeNotice, type EmailTemplate } from '../../infra/outbox/templates/email-layout.js';

/** R22-style notice: the member hears of every change to their second step. */
export const totpChangedEmail: EmailTemplate<{ change: 'enabled' | 'removed' }> = {
  name: 'totp-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const body = p.change === 'enabled' ? t('email.totp.enabled') : t('email.totp.removed');
    return renderChangeNotice(
      ctx,
      t('email.totp.subject', { brand: brand.name }),
      body,
      t('email.totp.notYou', { email: brand.supportEmail }),
    );
  },
};
