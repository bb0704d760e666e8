import type { ComponentChildren } from 'preact';
import type { FieldError } from '../../domain/result.js';
import { errorText, Form, formText } from '../../infra/web/form.js';
import type { Translate } from '../../infra/i18n/i18n.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { StaffPrincipal } from './staff-session.js';

// R23: every staff action asks for confirmation. The action's route shows this page on GET (or after checking a
// form), and acts only on a POST that carries `confirmed=1`, the CSRF token (global) and, when asked, a reason.

/** The field a confirmation form sets; a POST without it shows the confirmation instead of acting. */
export const CONFIRMED_FIELD = 'confirmed';
export const MAX_REASON = 500;

/** True when the POST came from a confirmation page's Confirm button. */
export const isConfirmed = (body: unknown): boolean => formText(body, CONFIRMED_FIELD) === '1';

/** The reason typed on a confirmation page: required or optional, at most 500 characters, whitespace folded. */
export function readReason(
  body: unknown,
  required: boolean,
): { ok: true; value: string | null } | { ok: false; error: Pick<FieldError, 'code' | 'params'> } {
  const reason = formText(body, 'reason').trim().replace(/\s+/g, ' ');
  if (reason.length > MAX_REASON) return { ok: false, error: { code: 'too_long', params: { max: MAX_REASON } } };
  if (!reason) return required ? { ok: false, error: { code: 'reason_required' } } : { ok: true, value: null };
  return { ok: true, value: reason };
}

export interface ConfirmPageProps {
  ctx: PageContext;
  staff: StaffPrincipal;
  /** "Disable Ana's access?" */
  title: string;
  /** What will happen, starting "You are about to …", and what follows from it. */
  children: ComponentChildren;
  /** Where the Confirm button posts. */
  action: string;
  /** Values carried over to the POST (e.g. the checked fields of a form). */
  fields?: Record<string, string>;
  /** Whether a reason is asked for (it is recorded in the audit log, R22). */
  reason: 'required' | 'optional' | 'none';
  reasonValue?: string;
  reasonError?: Pick<FieldError, 'code' | 'params'> | undefined;
  confirmLabel: string;
  cancelHref: string;
  /** A destructive action: the Confirm button is styled as a warning. */
  danger?: boolean;
}

/** "You are about to …" with an optional reason field and Confirm / Cancel; works without JavaScript (R21). */
export function ConfirmPage(p: ConfirmPageProps) {
  const { t } = p.ctx;
  return (
    <BackofficeLayout ctx={p.ctx} staff={p.staff} title={p.title}>
      <h1>{p.title}</h1>
      <div class="bo-confirm">{p.children}</div>
      <Form ctx={p.ctx} action={p.action} class="stack">
        {Object.entries(p.fields ?? {}).map(([name, value]) => (
          <input type="hidden" name={name} value={value} />
        ))}
        <input type="hidden" name={CONFIRMED_FIELD} value="1" />
        {p.reason !== 'none' ? (
          <ReasonField t={t} required={p.reason === 'required'} value={p.reasonValue ?? ''} error={p.reasonError} />
        ) : null}
        <div class="actions">
          <button type="submit" class={p.danger ? 'danger' : undefined}>
            {p.confirmLabel}
          </button>
          <a class="button secondary" href={p.cancelHref}>
            {t('bo.confirm.cancel')}
          </a>
        </div>
      </Form>
    </BackofficeLayout>
  );
}

/** The reason a staff member gives for an action; it goes into the audit log (R22), so never a password or code. */
export function ReasonField({
  t,
  required,
  value,
  error,
}: {
  t: Translate;
  required: boolean;
  value: string;
  error: Pick<FieldError, 'code' | 'params'> | undefined;
}) {
  const errorId = error ? 'reason-error' : undefined;
  return (
    <div class={`field${error ? ' has-error' : ''}`}>
      <label for="reason">{required ? t('bo.confirm.reason') : t('bo.confirm.reasonOptional')}</label>
      <div class="hint" id="reason-hint">
        {t('bo.confirm.reasonHint')}
      </div>
      {error ? (
        <p class="field-error" id={errorId}>
          {errorText({ t }, error)}
        </p>
      ) : null}
      <textarea
        id="reason"
        name="reason"
        rows={3}
        maxLength={MAX_REASON}
        aria-describedby={['reason-hint', errorId].filter(Boolean).join(' ')}
        {...(required ? { required: true, 'aria-required': 'true' } : {})}
        {...(error ? { 'aria-invalid': 'true' } : {})}
      >
        {value}
      </textarea>
    </div>
  );
}
