import { renderChangeNotice, type EmailTemplate } from '../infra/outbox/templates/email-layout.js';

/** R27: the member hears of every passkey added to or removed from their account, by them or by customer service. */
export const passkeyChangedEmail: EmailTemplate<{ change: 'added' | 'removed' | 'removedByStaff'; name: string }> = {
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
    return renderChangeNotice(ctx, subject, body, t('email.passkey.notYou', { email: brand.supportEmail }));
  },
};
