import type { HistoryFactor, HistoryOutcome } from '../../identity/sign-in-history.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { Form } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';

/** One sign-in or attempt, ready to show (R28). */
export interface HistoryView {
  id: number;
  when: string;
  /** The same instant, machine-readable, for <time>. */
  iso: string;
  device: string;
  place: string;
  factor: HistoryFactor;
  outcome: HistoryOutcome;
}

const FACTOR_KEYS: Record<HistoryFactor, MessageKey> = {
  password: 'history.factor.password',
  email: 'history.factor.email',
  emailLink: 'history.factor.emailLink',
  sms: 'history.factor.sms',
  totp: 'history.factor.totp',
  passkey: 'history.factor.passkey',
  other: 'history.factor.other',
};

const OUTCOME_KEYS: Record<HistoryOutcome, MessageKey> = {
  success: 'history.outcome.success',
  wrongPassword: 'history.outcome.wrongPassword',
  wrongCode: 'history.outcome.wrongCode',
  expiredCode: 'history.outcome.expiredCode',
  refused: 'history.outcome.refused',
  disabled: 'history.outcome.disabled',
  locked: 'history.outcome.locked',
  failure: 'history.outcome.failure',
};

/**
 * R28: the account's last sign-ins and attempts, newest first, as a list of short descriptions (a wide table would not
 * fit 320 px, and a list reads in order in a text browser), then the "this wasn't me" button.
 */
export function SignInHistory({ ctx, entries, size }: { ctx: PageContext; entries: HistoryView[]; size: number }) {
  const { t } = ctx;
  return (
    <section class="section" aria-labelledby="history-heading">
      <h2 id="history-heading">{t('history.heading')}</h2>
      <p>{t('history.body', { count: size })}</p>
      {entries.length === 0 ? (
        <p>{t('history.empty')}</p>
      ) : (
        <ol class="cards sign-in-history">
          {entries.map((e) => (
            <li class={`card sign-in ${e.outcome === 'success' ? 'ok' : 'failed'}`}>
              <h3>
                <time datetime={e.iso}>{e.when}</time>
                {' · '}
                {t(OUTCOME_KEYS[e.outcome])}
              </h3>
              <dl class="meta">
                <dt>{t('history.device')}</dt>
                <dd>{e.device}</dd>
                <dt>{t('history.place')}</dt>
                <dd>{e.place}</dd>
                <dt>{t('history.factor')}</dt>
                <dd>{t(FACTOR_KEYS[e.factor])}</dd>
              </dl>
            </li>
          ))}
        </ol>
      )}
      <h3>{t('history.notMe.heading')}</h3>
      <p>{t('history.notMe.body')}</p>
      <Form ctx={ctx} action="/area/security/not-me">
        <button type="submit" class="secondary">
          {t('history.notMe.button')}
        </button>
      </Form>
    </section>
  );
}
