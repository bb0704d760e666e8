import { MAX_NAME_LENGTH } from '../../identity/passkeys.js';
import { ErrorSummary, Form, Input, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { PASSKEY_SCRIPTS } from '../../infra/web/web.plugin.js';
import { passkeyMessages, PasskeyStatus, PasskeyUnsupported, ScriptOnly } from '../../identity/passkey-parts.js';

// R27: the member's passkeys in the security page, and the page that creates one.

export interface PasskeyView {
  id: number;
  name: string;
  created: string;
  lastUsed: string | null;
  synced: boolean;
}

export function PasskeysSection({
  ctx,
  passkeys,
  errors,
  max,
}: {
  ctx: PageContext;
  passkeys: PasskeyView[];
  errors: FieldErrors;
  max: number;
}) {
  const { t } = ctx;
  return (
    <section class="section" aria-labelledby="passkeys">
      <h2 id="passkeys">{t('passkey.heading')}</h2>
      <p>{t('passkey.body')}</p>
      {passkeys.length === 0 ? <p>{t('passkey.none')}</p> : null}
      <div class="cards">
        {passkeys.map((p) => (
          <section class="card" aria-labelledby={`passkey-${p.id}`}>
            <h3 id={`passkey-${p.id}`}>{p.name}</h3>
            <p class="meta">
              {t('passkey.added', { date: p.created })}
              <br />
              {p.lastUsed ? t('passkey.lastUsed', { date: p.lastUsed }) : t('passkey.neverUsed')}
              {p.synced ? (
                <>
                  <br />
                  {t('passkey.synced')}
                </>
              ) : null}
            </p>
            <Form ctx={ctx} action={`/area/security/passkeys/${p.id}/rename`} class="stack">
              <Input
                ctx={ctx}
                name="name"
                id={`passkey-name-${p.id}`}
                label={t('passkey.rename.label')}
                value={p.name}
                maxLength={MAX_NAME_LENGTH}
                required
              />
              <button type="submit" class="secondary">
                {t('passkey.rename.submit')}
              </button>
            </Form>
            <Form ctx={ctx} action={`/area/security/passkeys/${p.id}/remove`} class="stack">
              <fieldset>
                <legend>{t('passkey.remove.legend', { name: p.name })}</legend>
                <Input
                  ctx={ctx}
                  name="current_password"
                  id={`passkey-password-${p.id}`}
                  type="password"
                  label={t('passkey.remove.password')}
                  value=""
                  autocomplete="current-password"
                  maxLength={64}
                  required
                />
              </fieldset>
              <button type="submit" class="button--danger">
                {t('passkey.remove.submit')}
              </button>
            </Form>
          </section>
        ))}
      </div>
      {passkeys.length < max ? (
        <>
          <PasskeyUnsupported ctx={ctx} />
          <ScriptOnly>
            <Form ctx={ctx} action="/area/security/passkeys" class="stack">
              <fieldset>
                <legend>{t('passkey.add.legend')}</legend>
                <Input
                  ctx={ctx}
                  name="passkey_name"
                  label={t('passkey.add.name')}
                  hint={t('passkey.add.nameHint')}
                  value=""
                  error={errors.passkey_name}
                  maxLength={MAX_NAME_LENGTH}
                />
                <Input
                  ctx={ctx}
                  name="passkey_password"
                  type="password"
                  label={t('passkey.add.password')}
                  hint={t('passkey.add.passwordHint')}
                  value=""
                  error={errors.passkey_password}
                  autocomplete="current-password"
                  maxLength={64}
                  required
                />
              </fieldset>
              <button type="submit" class="secondary">
                {t('passkey.add.submit')}
              </button>
            </Form>
          </ScriptOnly>
        </>
      ) : (
        <p>{t('field.passkey_limit', { max })}</p>
      )}
    </section>
  );
}

/**
 * The second page of adding a passkey: the options (with this browser's challenge) as a JSON data block, which the
 * script hands to the authenticator; its answer goes back in the form. A data block is not executed, so the CSP's
 * script-src 'self' holds.
 */
export function PasskeyEnrolPage({
  ctx,
  options,
  errors = {},
}: {
  ctx: PageContext;
  options: unknown;
  errors?: FieldErrors;
}) {
  const { t } = ctx;
  const json = JSON.stringify(options).replace(/</g, '\\u003c');
  return (
    <Layout ctx={ctx} title={t('passkey.enrol.title')} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('passkey.enrol.title')}</h1>
      <ErrorSummary ctx={ctx} errors={errors} labels={{ response: t('passkey.enrol.submit') }} />
      <p>{t('passkey.enrol.body')}</p>
      <PasskeyUnsupported ctx={ctx} />
      <script type="application/json" id="passkey-options" dangerouslySetInnerHTML={{ __html: json }} />
      <Form
        ctx={ctx}
        action="/area/security/passkeys/verify"
        class="stack"
        data={{ passkey: 'register', 'options-id': 'passkey-options', ...passkeyMessages(ctx) }}
      >
        <input type="hidden" name="response" id="response" value="" />
        <button type="submit">{t('passkey.enrol.submit')}</button>
        <PasskeyStatus />
      </Form>
      <p>
        <a href="/area/security#passkeys">{t('passkey.enrol.cancel')}</a>
      </p>
    </Layout>
  );
}
