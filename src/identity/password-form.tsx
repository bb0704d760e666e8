import type { PasswordRule } from '../domain/password-policy.js';
import type { MessageKey } from '../infra/i18n/i18n.js';
import { Input, type FieldErrors } from '../infra/web/form.js';
import type { PageContext } from '../infra/web/page-context.js';

// The R4 password fields every flow shares (registration, recovery, change, staff passwords): the username for password
// managers, the new password with its checklist, and the confirmation.

export const RULE_KEYS: Record<PasswordRule, MessageKey> = {
  length: 'password.rule.length',
  charset: 'password.rule.charset',
  digit: 'password.rule.digit',
  upper: 'password.rule.upper',
  lower: 'password.rule.lower',
  not_common: 'password.rule.notCommon',
  no_personal_data: 'password.rule.noPersonal',
};

/** The R4 checklist: every rule, and after a submit (or as the person types, with scripts) whether it is met. */
export function PasswordChecklist({
  ctx,
  rules,
}: {
  ctx: PageContext;
  rules: { rule: PasswordRule; met: boolean | null }[];
}) {
  const { t } = ctx;
  return (
    <div class="checklist" id="password-rules" data-met={t('password.met')} data-unmet={t('password.unmet')}>
      <p class="hint">{t('password.rulesIntro')}</p>
      <ul>
        {rules.map(({ rule, met }) => (
          <li data-rule={rule} class={met === null ? '' : met ? 'met' : 'unmet'}>
            <span class="state" aria-hidden="true">
              {met === null ? '•' : met ? '✓' : '✗'}
            </span>{' '}
            {t(RULE_KEYS[rule])}
            <span class="visually-hidden state-text">
              {met === null ? '' : met ? ` (${t('password.met')})` : ` (${t('password.unmet')})`}
            </span>
          </li>
        ))}
        <li class="static">
          <span class="state" aria-hidden="true">
            •
          </span>{' '}
          {t('password.rule.history')}
        </li>
      </ul>
    </div>
  );
}

/** Username (read-only, for password managers), new password with the R4 checklist, and its confirmation. */
export function NewPasswordFields({
  ctx,
  username,
  rules,
  errors,
}: {
  ctx: PageContext;
  username: string;
  rules: { rule: PasswordRule; met: boolean | null }[];
  errors: FieldErrors;
}) {
  const { t } = ctx;
  return (
    <>
      <Input
        ctx={ctx}
        name="username"
        label={t('register.yourUsername')}
        value={username}
        autocomplete="username"
        readOnly
      />
      <Input
        ctx={ctx}
        name="password"
        type="password"
        label={t('password.new')}
        value=""
        error={errors.password}
        autocomplete="new-password"
        maxLength={64}
        describedBy="password-rules"
        required
      />
      <PasswordChecklist ctx={ctx} rules={rules} />
      <Input
        ctx={ctx}
        name="password_confirmation"
        type="password"
        label={t('password.confirm')}
        value=""
        error={errors.password_confirmation}
        autocomplete="new-password"
        maxLength={64}
        required
      />
    </>
  );
}
