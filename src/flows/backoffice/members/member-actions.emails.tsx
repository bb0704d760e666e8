import {
  emailHtml,
  renderChangeNotice,
  textFooter,
  type EmailTemplate,
} from '../../../infra/outbox/templates/email-layout.js';

// Notices to the member about what customer service changed (R16, R15 by analogy). Never a password, code or token.

export interface UsernameChangedParams {
  firstName: string;
  documentType: 'NIF' | 'NIE' | 'PASSPORT';
  /**
   * The new username's last three characters only (an inbox is not always private; the member knows their own
   * document).
   */
  usernameEnding: string;
}

/** R16: the member's username (identity document) was changed by customer service; their sessions ended. */
export const usernameChangedEmail: EmailTemplate<UsernameChangedParams> = {
  name: 'username-changed',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.boUsername.subject', { brand: brand.name });
    const doc = t(`bo.members.docType.${p.documentType}`);
    const lines = [
      t('email.boUsername.greeting', { name: p.firstName }),
      t('email.boUsername.body', { document: doc, ending: p.usernameEnding }),
      t('email.boUsername.signIn'),
      t('email.boUsername.sessions'),
    ];
    const notYou = t('email.boNotice.notYou', { email: brand.supportEmail });
    const link = `${ctx.publicUrl}/sign-in?lang=${ctx.lang}`;
    const html = emailHtml(
      ctx,
      subject,
      <>
        {lines.map((l) => (
          <p>{l}</p>
        ))}
        <p>
          <a href={link}>{t('email.boUsername.cta')}</a>
        </p>
        <p>
          <strong>{notYou}</strong>
        </p>
      </>,
    );
    const text = [
      ...lines.flatMap((l) => [l, '']),
      `${t('email.boUsername.cta')}: ${link}`,
      '',
      notYou,
      textFooter(ctx),
    ].join('\n');
    return { subject, text, html };
  },
};

export interface ContactCorrectedParams {
  /** The new email, when it changed. */
  email?: string;
  /** The new mobile masked, or null when it was removed; absent when unchanged. */
  mobile?: string | null;
  address?: boolean;
}

/** Contact data corrected by customer service: the account's email before the change is told what changed (as R15). */
export const contactCorrectedEmail: EmailTemplate<ContactCorrectedParams> = {
  name: 'contact-corrected',
  render(ctx, p) {
    const { t, brand } = ctx;
    const subject = t('email.boContact.subject', { brand: brand.name });
    const items: string[] = [];
    if (p.email !== undefined) items.push(t('email.boContact.email', { email: p.email }));
    if (p.mobile !== undefined)
      items.push(
        p.mobile === null ? t('email.boContact.mobileRemoved') : t('email.boContact.mobile', { mobile: p.mobile }),
      );
    if (p.address) items.push(t('email.boContact.address'));
    const intro = t('email.boContact.intro');
    const confirm = t('email.boContact.confirm');
    const notYou = t('email.boNotice.notYou', { email: brand.supportEmail });
    const html = emailHtml(
      ctx,
      subject,
      <>
        <p>{intro}</p>
        <ul>
          {items.map((i) => (
            <li>{i}</li>
          ))}
        </ul>
        <p>{confirm}</p>
        <p>
          <strong>{notYou}</strong>
        </p>
      </>,
    );
    const text = [intro, '', ...items.map((i) => `- ${i}`), '', confirm, '', notYou, textFooter(ctx)].join('\n');
    return { subject, text, html };
  },
};

/** R36: the member hears that customer service reopened the account they had closed. */
export const accountReopenedEmail: EmailTemplate<Record<string, never>> = {
  name: 'account-reopened',
  render: (ctx) =>
    renderChangeNotice(
      ctx,
      ctx.t('email.accountReopened.subject', { brand: ctx.brand.name }),
      ctx.t('email.accountReopened.body'),
      ctx.t('email.accountClosed.notYou', { email: ctx.brand.supportEmail }),
    ),
};
