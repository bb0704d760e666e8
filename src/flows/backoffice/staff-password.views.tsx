import type { PasswordRule } from '../../domain/password-policy.js';
import { NewPasswordFields } from '../../identity/password-form.js';
import { Form, Input, Notice, type FieldErrors } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { StaffPrincipal } from './staff-session.js';

export type StaffPasswordNotice = 'required' | 'changed' | 'tries';

const NOTICES = {
  required: 'bo.password.required',
  changed: 'bo.password.changed',
  tries: 'bo.password.tries',
} as const;

/**
 * A staff user's own password (issue 15): from the emailed link (`link`: no session, no current password) or signed
 * in (`change`: the current password first). The R4 checklist and the history of 20 as for members.
 */
export function StaffPasswordPage(props: {
  ctx: PageContext;
  staff: StaffPrincipal | null;
  mode: 'link' | 'change';
  username: string;
  rules: { rule: PasswordRule; met: boolean | null }[];
  errors?: FieldErrors;
  notice?: StaffPasswordNotice | undefined;
}) {
  const { ctx, staff, mode, username, rules, notice } = props;
  const errors = props.errors ?? {};
  const { t } = ctx;
  const title = mode === 'link' ? t('bo.password.link.title') : t('bo.password.title');
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={title}>
      <h1>{title}</h1>
      {notice ? (
        <Notice kind={notice === 'changed' ? 'success' : notice === 'required' ? 'info' : 'error'}>
          <p data-notice={notice}>{t(NOTICES[notice])}</p>
        </Notice>
      ) : null}
      <p>{mode === 'link' ? t('bo.password.link.intro') : t('bo.password.intro')}</p>
      <Form ctx={ctx} action={mode === 'link' ? '/backoffice/password/set' : '/backoffice/password'} class="stack">
        {mode === 'change' ? (
          <Input
            ctx={ctx}
            name="current_password"
            type="password"
            label={t('bo.password.current')}
            value=""
            error={errors.current_password}
            autocomplete="current-password"
            maxLength={200}
            required
          />
        ) : null}
        <NewPasswordFields ctx={ctx} username={username} rules={rules} errors={errors} />
        <button type="submit">{t('bo.password.submit')}</button>
      </Form>
    </BackofficeLayout>
  );
}
