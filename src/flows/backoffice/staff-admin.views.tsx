import { ErrorSummary, Form, Input, Notice, Select, type FieldErrors } from '../../infra/web/form.js';
import type { StaffUser } from '../../infra/db/tables.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { StaffPrincipal } from './staff-session.js';

export type StaffListNotice = 'disabled' | 'enabled' | 'totp_reset';

const DONE = {
  disabled: 'bo.staff.done.disabled',
  enabled: 'bo.staff.done.enabled',
  totp_reset: 'bo.staff.done.totpResetEmailed',
} as const;

/** A UTC instant as staff read it: "2026-11-27 10:00 UTC" (the audit log is kept in UTC, R22). */
export function utc(iso: string | null): string {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : '—';
}

/** Administrators' list of staff users with what can be done to each (R23). */
export function StaffListPage({
  ctx,
  staff,
  users,
  now,
  notice,
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  users: StaffUser[];
  now: string;
  notice?: StaffListNotice | undefined;
}) {
  const { t } = ctx;
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.staff.title')}>
      <h1>{t('bo.staff.title')}</h1>
      {notice ? (
        <Notice kind="success">
          <p data-notice={notice}>{t(DONE[notice])}</p>
        </Notice>
      ) : null}
      <p>
        <a class="button" href="/backoffice/staff/new">
          {t('bo.staff.new')}
        </a>
      </p>
      <div class="bo-table" role="region" aria-labelledby="staff-caption" tabIndex={0}>
        <table class="bo-stack">
          <caption id="staff-caption">{t('bo.staff.caption', { n: users.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('bo.staff.col.user')}</th>
              <th scope="col">{t('bo.staff.col.role')}</th>
              <th scope="col">{t('bo.staff.col.status')}</th>
              <th scope="col">{t('bo.staff.col.totp')}</th>
              <th scope="col">{t('bo.staff.col.lastSignIn')}</th>
              <th scope="col">{t('bo.staff.col.actions')}</th>
            </tr>
          </thead>
          <tbody>
            {users.map((u) => {
              const self = u.id === staff.id;
              const locked = u.locked_until !== null && u.locked_until > now;
              return (
                <tr data-username={u.username}>
                  <th scope="row">
                    {u.display_name}
                    <br />
                    <span class="muted">{u.username}</span>
                    <br />
                    <span class="muted">{u.email}</span>
                  </th>
                  <td data-label={t('bo.staff.col.role')}>
                    {t(u.role === 'admin' ? 'bo.role.admin' : 'bo.role.agent')}
                  </td>
                  <td data-label={t('bo.staff.col.status')}>
                    {t(u.status === 'active' ? 'bo.staff.active' : 'bo.staff.disabled')}
                    {locked ? (
                      <>
                        <br />
                        <span class="muted">{t('bo.staff.lockedUntil', { until: utc(u.locked_until) })}</span>
                      </>
                    ) : null}
                  </td>
                  <td data-label={t('bo.staff.col.totp')}>
                    {u.totp_enabled_at
                      ? t('bo.staff.totpOn', { since: utc(u.totp_enabled_at) })
                      : t('bo.staff.totpPending')}
                  </td>
                  <td data-label={t('bo.staff.col.lastSignIn')}>{utc(u.last_sign_in_at)}</td>
                  <td data-label={t('bo.staff.col.actions')}>
                    {self ? (
                      <span class="muted">{t('bo.staff.you')}</span>
                    ) : (
                      <ul class="bo-actions">
                        {u.status === 'active' ? (
                          <li>
                            <a href={`/backoffice/staff/${u.id}/disable`}>
                              {t('bo.staff.disable', { username: u.username })}
                            </a>
                          </li>
                        ) : (
                          <li>
                            <a href={`/backoffice/staff/${u.id}/enable`}>
                              {t('bo.staff.enable', { username: u.username })}
                            </a>
                          </li>
                        )}
                        <li>
                          <a href={`/backoffice/staff/${u.id}/reset-password`}>
                            {t('bo.staff.resetPassword', { username: u.username })}
                          </a>
                        </li>
                        {u.totp_enabled_at ? (
                          <li>
                            <a href={`/backoffice/staff/${u.id}/reset-totp`}>
                              {t('bo.staff.resetTotp', { username: u.username })}
                            </a>
                          </li>
                        ) : null}
                      </ul>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </BackofficeLayout>
  );
}

export interface NewStaffForm {
  username: string;
  displayName: string;
  email: string;
  role: string;
}

/** The form to create a staff user; the password is generated, never chosen here. */
export function NewStaffPage({
  ctx,
  staff,
  form,
  errors = {},
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  form?: NewStaffForm;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  const labels = {
    username: t('bo.staff.field.username'),
    displayName: t('bo.staff.field.displayName'),
    email: t('bo.staff.field.email'),
    role: t('bo.staff.field.role'),
  };
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={t('bo.staff.new')}>
      <h1>{t('bo.staff.new')}</h1>
      <p>{t('bo.staff.newIntro')}</p>
      <ErrorSummary ctx={ctx} errors={errors} labels={labels} />
      <Form ctx={ctx} action="/backoffice/staff/new" class="stack">
        <Input
          ctx={ctx}
          name="username"
          label={labels.username}
          hint={t('bo.staff.field.usernameHint')}
          value={form?.username}
          error={errors.username}
          autocomplete="off"
          spellcheck={false}
          maxLength={40}
          required
        />
        <Input
          ctx={ctx}
          name="displayName"
          label={labels.displayName}
          value={form?.displayName}
          error={errors.displayName}
          autocomplete="off"
          maxLength={100}
        />
        <Input
          ctx={ctx}
          name="email"
          type="email"
          label={labels.email}
          value={form?.email}
          error={errors.email}
          autocomplete="off"
          maxLength={254}
          required
        />
        <Select
          ctx={ctx}
          name="role"
          label={labels.role}
          value={form?.role ?? 'agent'}
          error={errors.role}
          options={[
            { value: 'agent', label: t('bo.role.agent') },
            { value: 'admin', label: t('bo.role.admin') },
          ]}
          required
        />
        <div class="actions">
          <button type="submit">{t('bo.staff.continue')}</button>
          <a class="button secondary" href="/backoffice/staff">
            {t('bo.confirm.cancel')}
          </a>
        </div>
      </Form>
    </BackofficeLayout>
  );
}

/**
 * After a new user or a password reset: the owner was emailed a single-use link to choose their own password; the
 * administrator never sees one (issue 15: no administrator can become a colleague).
 */
export function StaffCreatedPage({
  ctx,
  staff,
  user,
  kind = 'created',
}: {
  ctx: PageContext;
  staff: StaffPrincipal;
  user: StaffUser;
  kind?: 'created' | 'reset';
}) {
  const { t } = ctx;
  const title = kind === 'created' ? t('bo.staff.created.title') : t('bo.staff.passwordReset.title');
  const role = t(user.role === 'admin' ? 'bo.role.admin' : 'bo.role.agent');
  return (
    <BackofficeLayout ctx={ctx} staff={staff} title={title}>
      <h1>{title}</h1>
      <Notice kind="success">
        <p>
          {kind === 'created'
            ? t('bo.staff.created.body', { username: user.username, role })
            : t('bo.staff.passwordReset.emailed', { username: user.username, email: user.email })}
        </p>
      </Notice>
      <dl class="meta">
        <dt>{t('bo.staff.field.username')}</dt>
        <dd>
          <code>{user.username}</code>
        </dd>
      </dl>
      {kind === 'created' ? <p>{t('bo.staff.created.emailed', { email: user.email })}</p> : null}
      {kind === 'created' ? <p>{t('bo.staff.created.enrol')}</p> : null}
      <p>
        <a class="button" href="/backoffice/staff">
          {t('bo.staff.back')}
        </a>
      </p>
    </BackofficeLayout>
  );
}
