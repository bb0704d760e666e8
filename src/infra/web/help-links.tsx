import type { MessageKey } from '../i18n/i18n.js';
import type { PageContext } from './page-context.js';

/**
 * R26: the help topics a form links to, where the question comes up ("where is my member number?" on registration
 * step 1). The slugs are the help centre's (src/flows/help/help.routes.tsx; a test keeps both lists equal).
 */
export const HELP_LINK_TITLES = {
  'who-can-register': 'help.whoCanRegister.title',
  numbers: 'help.numbers.title',
  'password-rules': 'help.passwordRules.title',
  'two-step': 'help.twoStep.title',
  'forgot-password': 'help.forgotPassword.title',
  'nie-to-nif': 'help.nieToNif.title',
  'former-member': 'help.formerMember.title',
  minors: 'help.minors.title',
  browsers: 'help.browsers.title',
  international: 'help.international.title',
} as const satisfies Record<string, MessageKey>;

export type HelpLinkSlug = keyof typeof HELP_LINK_TITLES;

export function HelpLinks({ ctx, topics }: { ctx: PageContext; topics: HelpLinkSlug[] }) {
  const { t } = ctx;
  return (
    <aside class="help-links" aria-labelledby="help-links-title">
      <h2 id="help-links-title">{t('help.moreHelp')}</h2>
      <ul>
        {topics.map((slug) => (
          <li>
            <a href={`/help/${slug}`}>{t(HELP_LINK_TITLES[slug])}</a>
          </li>
        ))}
      </ul>
    </aside>
  );
}
