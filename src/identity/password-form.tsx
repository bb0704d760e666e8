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

/** One line of the checklist: its mark, its text, and its state for screen readers (null: not judged yet). */
function ChecklistItem({
  ctx,
  rule,
  text,
  met,
}: {
  ctx: PageContext;
  rule: string;
  text: string;
  met: boolean | null;
}) {
  const { t } = ctx;
  return (
    <li data-rule={rule} class={met === null ? '' : met ? 'met' : 'unmet'}>
      <span class="state" aria-hidden="true">
        {met === null ? '•' : met ? '✓' : '✗'}
      </span>{' '}
      {text}
      <span class="visually-hidden state-text">
        {met === null ? '' : met ? ` (${t('password.met')})` : ` (${t('password.unmet')})`}
      </span>
    </li>
  );
}

/**
 * The R4 checklist: every rule, and after a submit (or as the person types, with scripts) whether it is met. The
 * history rule needs the stored hashes, so only the server judges it: failed when it refused the password as one of
 * the last 20 (issue 25 item 13), not judged otherwise.
 */
export function PasswordChecklist({
  ctx,
  rules,
  historyRefused = false,
}: {
  ctx: PageContext;
  rules: { rule: PasswordRule; met: boolean | null }[];
  historyRefused?: boolean;
}) {
  const { t } = ctx;
  return (
    <div class="checklist" id="password-rules" data-met={t('password.met')} data-unmet={t('password.unmet')}>
      <p class="hint">{t('password.rulesIntro')}</p>
      <ul>
        {rules.map(({ rule, met }) => (
          <ChecklistItem ctx={ctx} rule={rule} text={t(RULE_KEYS[rule])} met={met} />
        ))}
        <ChecklistItem ctx={ctx} rule="history" text={t('password.rule.history')} met={historyRefused ? false : null} />
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
      <PasswordChecklist ctx={ctx} rules={rules} historyRefused={errors.password?.code === 'password_reused'} />
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
