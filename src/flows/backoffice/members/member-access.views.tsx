import { ACCESS_NOTE_MAX, ACCESS_REASONS } from '../../../infra/audit/data-access.js';
import type { Translate } from '../../../infra/i18n/i18n.js';
import { Form, Notice } from '../../../infra/web/form.js';
import { ACCESS_GRANT_MINUTES } from './member-access.js';

/**
 * R36: what an agent sees before a member's record: nothing of the record, only the question why. A plain POST form
 * (radio buttons and a note), usable without scripts; the reason's labels come from the shared catalog.
 */
export function AccessReasonForm(p: {
  t: Translate;
  csrfToken: string;
  memberId: number;
  next: string;
  values?: { reason?: string; note?: string };
  error?: boolean;
}) {
  const { t } = p;
  const v = p.values ?? {};
  return (
    <>
      <p>
        <a href="/backoffice/members">{t('bo.members.backToSearch')}</a>
      </p>
      <h1>{t('bo.access.title')}</h1>
      <p>{t('bo.access.intro', { minutes: ACCESS_GRANT_MINUTES })}</p>
      {p.error ? (
        <Notice kind="error">
          <p id="access_reason-error">{t('field.access_reason_required')}</p>
        </Notice>
      ) : null}
      <Form ctx={{ csrfToken: () => p.csrfToken }} action={`/backoffice/members/${p.memberId}/access`}>
        <input type="hidden" name="next" value={p.next} />
        <fieldset
          class={`field${p.error ? ' has-error' : ''}`}
          aria-describedby={['access-hint', p.error ? 'access_reason-error' : ''].filter(Boolean).join(' ')}
        >
          <legend>{t('access.reason.label')}</legend>
          <p class="hint" id="access-hint">
            {t('access.reason.hint')}
          </p>
          {ACCESS_REASONS.map((code) => (
            <div class="choice">
              <input
                type="radio"
                id={`access_reason-${code}`}
                name="access_reason"
                value={code}
                checked={v.reason === code}
                required
              />
              <label for={`access_reason-${code}`}>{t(`access.reason.${code}`)}</label>
            </div>
          ))}
        </fieldset>
        <div class="field">
          <label for="access_note">{t('access.note.label')}</label>
          <textarea id="access_note" name="access_note" rows={2} maxLength={ACCESS_NOTE_MAX}>
            {v.note ?? ''}
          </textarea>
        </div>
        <button type="submit">{t('bo.access.submit')}</button>
      </Form>
    </>
  );
}
