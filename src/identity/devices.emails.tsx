import { emailButton, emailHtml, textFooter, type EmailTemplate } from '../infra/outbox/templates/email-layout.js';
import { describeDevice, placeText } from './device-label.js';

/** A sign-in's time in the member's language and the configured zone (Europe/Madrid), zone named. */
export function signInTime(lang: string, timeZone: string, iso: string): string {
  return new Intl.DateTimeFormat(lang === 'en' ? 'en-GB' : 'es-ES', {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    timeZoneName: 'short',
  }).format(new Date(iso));
}

export interface NewDeviceParams {
  at: string;
  timeZone: string;
  userAgent: string | null;
  ip: string | null;
  /** The single-use "this wasn't me" link (R28). */
  link: string;
}

/**
 * R28: a sign-in from a device the account had not used (in 180 days): when, which browser, roughly where, and one way
 * out.
 */
export const newDeviceEmail: EmailTemplate<NewDeviceParams> = {
  name: 'new-device',
  render(ctx, p) {
    const { t, brand, lang } = ctx;
    const subject = t('email.newDevice.subject', { brand: brand.name });
    const facts: [string, string][] = [
      [t('email.newDevice.when'), signInTime(lang, p.timeZone, p.at)],
      [t('email.newDevice.device'), describeDevice(t, p.userAgent)],
      [t('email.newDevice.place'), placeText(t, lang, p.ip)],
    ];
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{t('email.newDevice.intro')}</p>
        <table role="presentation" cellpadding="0" cellspacing="0" style="margin:16px 0">
          {facts.map(([label, value]) => (
            <tr>
              <td style="padding:2px 12px 2px 0;font-weight:bold;vertical-align:top">{label}</td>
              <td style="padding:2px 0">{value}</td>
            </tr>
          ))}
        </table>
        <p>{t('email.newDevice.ifYou')}</p>
        <p>{t('email.newDevice.ifNotYou')}</p>
        {emailButton(p.link, t('email.newDevice.cta'), brand.colors.primary, brand.colors.primaryText)}
        <p>{t('email.newDevice.valid')}</p>
        <p>{t('email.newDevice.support', { email: brand.supportEmail })}</p>
      </>,
    );
    const text = [
      t('email.newDevice.intro'),
      '',
      ...facts.map(([label, value]) => `${label}: ${value}`),
      '',
      t('email.newDevice.ifYou'),
      '',
      t('email.newDevice.ifNotYou'),
      `${t('email.newDevice.cta')}: ${p.link}`,
      t('email.newDevice.valid'),
      '',
      t('email.newDevice.support', { email: brand.supportEmail }),
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};
