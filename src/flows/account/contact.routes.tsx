import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sql, type Kysely } from 'kysely';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { maskEmail, parseEmail } from '../../domain/email.js';
import { maskPhone, parseMobile } from '../../domain/phone.js';
import { parseSpanishPostalCode } from '../../domain/postal-code.js';
import { fail, ok, type FieldError, type Result } from '../../domain/result.js';
import { recordAudit, type AuditEvent } from '../../infra/audit/audit.repository.js';
import { verifyPassword } from '../../infra/crypto/password-hash.js';
import { safeEqual, sixDigitCode } from '../../infra/crypto/tokens.js';
import type { Db } from '../../infra/db/database.js';
import type { Account, Database } from '../../infra/db/tables.js';
import { createFlowStore, type Flow } from '../../infra/flows/flow-store.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { addressKey, bucket, count, hit, limitReached, type Limit } from '../../infra/rate-limit/rate-limit.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorSummary, Form, Input, Notice, byField, type FieldErrors } from '../../infra/web/form.js';
import { Layout } from '../../infra/web/layout.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { sendPage } from '../../infra/web/view.js';
import { auditContext } from '../registration/registration.routes.js';
import { contactCodeEmail, emailChangedEmail, mobileChangedEmail, mobileRemovedEmail } from './contact.emails.js';

// R15 contact data. The postal address is saved at once. A new email or mobile is a small stored flow:
//
//   contact page --password right, code sent to the new value--> 'code' --right code--> applied, flow ended
//                                                                 'code' --code expired / 5 wrong / replaced--> ended, start again
//
// Every route works on the session's account only: no id a form carries is ever read (R15, server-side authorisation).

const CHANGE_TTL_MS = 15 * 60_000;
const CODE_TTL_MS = 10 * 60_000;
const MAX_WRONG_CODES = 5;
const CODE_PURPOSE = 'contact-code';
const HOUR = 3_600_000;
/** Wrong passwords per account per hour before further tries are refused with 429. */
const PASSWORD_FAILURES: Limit = { windowMs: HOUR, max: 5 };
/** R9: these routes send email and SMS to an address the member types, so sends are limited per account and per client address. */
const SENDS_PER_ACCOUNT: Limit = { windowMs: HOUR, max: 10 };
const SENDS_PER_ADDRESS: Limit = { windowMs: HOUR, max: 20 };

type What = 'email' | 'mobile';

/** What the pending change remembers; the code itself lives hashed in one_time_tokens. */
interface ChangeData {
  what: What;
  value: string;
}

interface PostalAddress {
  addressLine: string;
  postalCode: string | null;
  city: string;
  province: string | null;
}

export interface ContactDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

const text = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/** Collapses spacing; refuses control characters and anything longer than `max`. */
function cleanText(value: string, field: string, max: number, required: boolean): Result<string | null> {
  const v = value.trim().replace(/\s+/g, ' ');
  if (!v) return required ? fail(field, 'required') : ok(null);
  if (v.length > max) return fail(field, 'too_long', { max });
  if (/\p{Cc}/u.test(v)) return fail(field, 'invalid');
  return ok(v);
}

/** Outside Spain a postal code is whatever that country writes (or none); a Spanish one follows R3. */
function parsePostalCode(input: string, country: string | null): Result<string | null> {
  if (country === null || country === 'ES') return parseSpanishPostalCode(input.slice(0, 100));
  const v = input.trim().replace(/\s+/g, ' ').toUpperCase();
  if (!v) return ok(null);
  return /^[A-Z0-9][A-Z0-9 -]{0,11}$/.test(v) ? ok(v) : fail('postal_code', 'contact_postal_code_foreign');
}

/** R15 (with the R3 rules): the postal address form, checked field by field. */
function parseAddress(body: unknown, country: string | null): Result<PostalAddress> {
  const parts = {
    addressLine: cleanText(text(body, 'address_line'), 'address_line', 200, true),
    postalCode: parsePostalCode(text(body, 'postal_code'), country),
    city: cleanText(text(body, 'city'), 'city', 100, true),
    province: cleanText(text(body, 'province'), 'province', 100, false),
  };
  const errors = Object.values(parts).flatMap((r) => (r.ok ? [] : r.errors));
  if (errors.length || !parts.addressLine.ok || !parts.postalCode.ok || !parts.city.ok || !parts.province.ok) return { ok: false, errors };
  return ok({ addressLine: parts.addressLine.value!, postalCode: parts.postalCode.value, city: parts.city.value!, province: parts.province.value });
}

/** The new email or mobile as typed, validated as in R3; a mobile is required here (removing it is its own form). */
function parseNewValue(what: What, input: string, field: string): Result<string> {
  if (what === 'email') return parseEmail(input, field);
  const mobile = parseMobile(input, field);
  if (!mobile.ok) return mobile;
  return mobile.value === undefined ? fail(field, 'required') : ok(mobile.value);
}

/** Like the sign-in codes (R7): keyed with the server secret and bound to the flow, so a database copy yields no codes. */
function codeDigest(secretKey: string, flowId: string, code: string): string {
  return createHmac('sha256', secretKey).update(`contact:${flowId}:${code}`).digest('hex');
}

const formatMobile = (e164: string) => parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
const shown = (what: What, value: string) => (what === 'email' ? value : formatMobile(value));
const masked = (what: What, value: string) => (what === 'email' ? maskEmail(value) : maskPhone(value));

// ——— views ———

type Done = 'address' | 'email' | 'mobile' | 'removed';
type Restart = 'expired' | 'codeExpired' | 'exhausted' | 'replaced';
type Refusal = 'passwordLocked' | 'sendLimit';

const DONE: Record<Done, MessageKey> = { address: 'contact.done.address', email: 'contact.done.email', mobile: 'contact.done.mobile', removed: 'contact.done.removed' };
const RESTART: Record<Restart, MessageKey> = {
  expired: 'contact.restart.expired',
  codeExpired: 'contact.restart.codeExpired',
  exhausted: 'contact.restart.exhausted',
  replaced: 'contact.restart.replaced',
};
const isDone = (v: unknown): v is Done => typeof v === 'string' && Object.hasOwn(DONE, v);

interface ContactView {
  account: Account;
  values?: Record<string, string>;
  errors?: FieldErrors;
  done?: Done | undefined;
  restart?: Restart | undefined;
  refusal?: Refusal | undefined;
  pending?: boolean;
}

function fieldLabels(t: PageContext['t']): Record<string, string> {
  return {
    address_line: t('contact.address'),
    postal_code: t('contact.postalCode'),
    city: t('contact.city'),
    province: t('contact.province'),
    new_email: t('contact.newEmail'),
    email_password: t('contact.password'),
    new_mobile: t('contact.newMobile'),
    mobile_password: t('contact.password'),
    remove_password: t('contact.password'),
  };
}

function CurrentDetails({ ctx, account }: { ctx: PageContext; account: Account }) {
  const { t } = ctx;
  const cityLine = [account.postal_code, account.city].filter(Boolean).join(' ');
  const addressLines = [account.address_line, cityLine, account.province].filter((l): l is string => Boolean(l));
  const state = (at: string | null) => <span class="tag">{at ? t('contact.verified') : t('contact.unverified')}</span>;
  return (
    <section class="card policy" aria-labelledby="current-title">
      <h2 id="current-title">{t('contact.currentTitle')}</h2>
      <dl class="meta">
        <dt>{t('contact.addressLabel')}</dt>
        <dd>{addressLines.length ? addressLines.map((l, i) => (i === 0 ? l : [<br />, l])) : t('contact.notGiven')}</dd>
        <dt>{t('contact.emailLabel')}</dt>
        <dd>
          {account.email} {state(account.email_verified_at)}
        </dd>
        <dt>{t('contact.mobileLabel')}</dt>
        <dd>
          {account.mobile ? (
            <>
              {formatMobile(account.mobile)} {state(account.mobile_verified_at)}
            </>
          ) : (
            t('contact.notGiven')
          )}
        </dd>
      </dl>
    </section>
  );
}

function PasswordInput({ ctx, name, errors }: { ctx: PageContext; name: string; errors: FieldErrors }) {
  const { t } = ctx;
  return <Input ctx={ctx} name={name} type="password" label={t('contact.password')} hint={t('contact.passwordHint')} value="" error={errors[name]} autocomplete="current-password" maxLength={64} required />;
}

/** R15: the account's contact data and the forms that change it; one page, each form with its own field names. */
function ContactPage({ ctx, view }: { ctx: PageContext; view: ContactView }) {
  const { t } = ctx;
  const { account } = view;
  const errors = view.errors ?? {};
  const v = view.values ?? {};
  const spanish = account.country === null || account.country === 'ES';
  const keep = (name: string, stored: string | null) => (name in v ? v[name] : stored);
  return (
    <Layout ctx={ctx} title={t('contact.title')}>
      <h1>{t('contact.title')}</h1>
      {view.done ? <Notice kind="success">{t(DONE[view.done])}</Notice> : null}
      {view.restart ? <Notice kind="error">{t(RESTART[view.restart])}</Notice> : null}
      {view.refusal ? <Notice kind="error">{t(view.refusal === 'passwordLocked' ? 'contact.passwordLocked' : 'contact.sendLimit')}</Notice> : null}
      {view.pending ? (
        <Notice>
          {t('contact.pending')} <a href="/area/contact/confirm">{t('contact.pendingLink')}</a>
        </Notice>
      ) : null}
      <ErrorSummary ctx={ctx} errors={errors} labels={fieldLabels(t)} />
      <p>{t('contact.intro')}</p>
      <CurrentDetails ctx={ctx} account={account} />

      <section aria-labelledby="address-title">
        <h2 id="address-title">{t('contact.addressTitle')}</h2>
        <Form ctx={ctx} action="/area/contact/address" class="stack">
          <Input ctx={ctx} name="address_line" label={t('contact.address')} value={keep('address_line', account.address_line)} error={errors.address_line} autocomplete="street-address" maxLength={200} required />
          <Input
            ctx={ctx}
            name="postal_code"
            label={t('contact.postalCode')}
            hint={spanish ? t('contact.postalCodeHintEs') : t('contact.postalCodeHintForeign')}
            value={keep('postal_code', account.postal_code)}
            error={errors.postal_code}
            autocomplete="postal-code"
            {...(spanish ? { inputMode: 'numeric' as const, maxLength: 5, required: true } : { maxLength: 12 })}
          />
          <Input ctx={ctx} name="city" label={t('contact.city')} value={keep('city', account.city)} error={errors.city} autocomplete="address-level2" maxLength={100} required />
          <Input ctx={ctx} name="province" label={t('contact.province')} value={keep('province', account.province)} error={errors.province} autocomplete="address-level1" maxLength={100} />
          <button type="submit">{t('contact.saveAddress')}</button>
        </Form>
      </section>

      <section aria-labelledby="email-title">
        <h2 id="email-title">{t('contact.emailTitle')}</h2>
        <p>{t('contact.emailIntro')}</p>
        <Form ctx={ctx} action="/area/contact/email" class="stack">
          <Input ctx={ctx} name="new_email" type="email" label={t('contact.newEmail')} value={v.new_email} error={errors.new_email} autocomplete="email" maxLength={254} spellcheck={false} required />
          <PasswordInput ctx={ctx} name="email_password" errors={errors} />
          <button type="submit">{t('contact.sendCode')}</button>
        </Form>
      </section>

      <section aria-labelledby="mobile-title">
        <h2 id="mobile-title">{t('contact.mobileTitle')}</h2>
        <p>{t('contact.mobileIntro')}</p>
        <Form ctx={ctx} action="/area/contact/mobile" class="stack">
          <Input ctx={ctx} name="new_mobile" type="tel" label={t('contact.newMobile')} hint={t('contact.newMobileHint')} value={v.new_mobile} error={errors.new_mobile} autocomplete="tel" maxLength={30} required />
          <PasswordInput ctx={ctx} name="mobile_password" errors={errors} />
          <button type="submit">{t('contact.sendCode')}</button>
        </Form>
      </section>

      {account.mobile ? (
        <section aria-labelledby="remove-title">
          <h2 id="remove-title">{t('contact.removeTitle')}</h2>
          <p>{account.preferred_channel === 'sms' ? t('contact.removeIntroSms') : t('contact.removeIntro')}</p>
          <Form ctx={ctx} action="/area/contact/mobile/remove" class="stack">
            <PasswordInput ctx={ctx} name="remove_password" errors={errors} />
            <button type="submit">{t('contact.remove')}</button>
          </Form>
        </section>
      ) : null}
    </Layout>
  );
}

/** R15, R21: the code field of a pending change (paste and one-time-code autofill work). */
function ConfirmPage({ ctx, change, errors = {} }: { ctx: PageContext; change: ChangeData; errors?: FieldErrors }) {
  const { t } = ctx;
  const to = shown(change.what, change.value);
  return (
    <Layout ctx={ctx} title={t('contact.confirmTitle')}>
      <h1>{t('contact.confirmTitle')}</h1>
      <ErrorSummary ctx={ctx} errors={errors} labels={{ code: t('contact.code') }} />
      <p>{change.what === 'email' ? t('contact.confirmIntroEmail', { to }) : t('contact.confirmIntroSms', { to })}</p>
      <Form ctx={ctx} action="/area/contact/confirm" class="stack">
        <Input ctx={ctx} name="code" label={t('contact.code')} hint={t('contact.codeHint')} value="" error={errors.code} autocomplete="one-time-code" inputMode="numeric" maxLength={12} required />
        <button type="submit">{t('contact.confirm')}</button>
      </Form>
      <p>
        <a href="/area/contact">{t('contact.startAgain')}</a>
      </p>
    </Layout>
  );
}

// ——— the code ———

type CodeCheck = { kind: 'ok'; tokenId: number; what: What; value: string } | { kind: 'wrong'; remaining: number } | { kind: 'exhausted' } | { kind: 'expired' } | { kind: 'replaced' };

/** Voids unused contact codes: all of an account's (a new request replaces them) or one flow's (it ended unused). */
async function voidCodes(db: Kysely<Database>, scope: { accountId: number } | { flowId: string }, now: string): Promise<void> {
  let q = db.updateTable('one_time_tokens').set({ voided_at: now }).where('purpose', '=', CODE_PURPOSE).where('used_at', 'is', null).where('voided_at', 'is', null);
  q = 'flowId' in scope ? q.where('flow_id', '=', scope.flowId) : q.where('account_id', '=', scope.accountId);
  await q.execute();
}

/**
 * Checks an answer against the flow's live code. Every try is counted by one atomic increment before the
 * comparison, so parallel guesses cannot share a count; the fifth wrong one voids the code.
 */
async function checkCode(db: Kysely<Database>, clock: Clock, secretKey: string, flow: Flow<ChangeData>, accountId: number, answer: string): Promise<CodeCheck> {
  const token = await db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('flow_id', '=', flow.id)
    .where('account_id', '=', accountId)
    .where('purpose', '=', CODE_PURPOSE)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .orderBy('id', 'desc')
    .executeTakeFirst();
  if (!token || !token.destination) return { kind: 'replaced' };
  const now = clock.now().toISOString();
  if (token.expires_at <= now) return { kind: 'expired' };
  const bumped = await db
    .updateTable('one_time_tokens')
    .set({ attempts: sql`attempts + 1` })
    .where('id', '=', token.id)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .returning('attempts')
    .executeTakeFirst();
  if (!bumped) return { kind: 'replaced' };
  if (bumped.attempts > MAX_WRONG_CODES) return { kind: 'exhausted' };
  const code = answer.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(code) || !safeEqual(token.token_hash, codeDigest(secretKey, flow.id, code))) {
    const remaining = MAX_WRONG_CODES - bumped.attempts;
    return remaining > 0 ? { kind: 'wrong', remaining } : { kind: 'exhausted' };
  }
  return { kind: 'ok', tokenId: token.id, what: token.channel === 'sms' ? 'mobile' : 'email', value: token.destination };
}

// ——— routes ———

export async function contactRoutes(app: FastifyInstance, deps: ContactDeps): Promise<void> {
  const { db, clock, config, courier } = deps;
  const kysely = db.kysely;
  const guard = requireMember(deps.sessions, db);
  const flows = createFlowStore<ChangeData>(clock, { kind: 'contact-change', ttlMs: CHANGE_TTL_MS, cookieName: 'contact', secureCookies: config.secureCookies });

  // The only account these routes read or write: the one the session belongs to.
  const sessionAccount = (request: FastifyRequest) => kysely.selectFrom('accounts').selectAll().where('id', '=', request.memberSession!.accountId).executeTakeFirstOrThrow();
  const audit = (on: Kysely<Database>, request: FastifyRequest, account: Account, event: string, outcome: AuditEvent['outcome'], details?: AuditEvent['details']) =>
    recordAudit(on, clock, auditContext(request), { event, outcome, actor: account.username, accountId: account.id, ...(details ? { details } : {}) });
  const showContact = (request: FastifyRequest, reply: FastifyReply, view: ContactView, status = 200) => sendPage(reply, <ContactPage ctx={request.pageContext()} view={view} />, status);

  /**
   * The password asked again (R15). A stolen session must not become a password oracle: after 5 wrong passwords in
   * an hour the account's tries are refused. Each try is counted before the (slow) check by one atomic upsert and
   * each right one after it, so wrong = tries − rights holds even for parallel guesses, which cannot share a count.
   */
  async function checkPassword(account: Account, password: string): Promise<'ok' | 'wrong' | 'missing' | 'locked'> {
    const tries = bucket('contact-pw-try', String(account.id));
    const rights = bucket('contact-pw-ok', String(account.id));
    const windowMs = PASSWORD_FAILURES.windowMs;
    if (!password) {
      const [n, good] = await Promise.all([count(kysely, clock, tries, windowMs), count(kysely, clock, rights, windowMs)]);
      return limitReached(n - good, PASSWORD_FAILURES) ? 'locked' : 'missing';
    }
    const [n, good] = await Promise.all([hit(kysely, clock, tries, windowMs), count(kysely, clock, rights, windowMs)]);
    if (limitReached(n - 1 - good, PASSWORD_FAILURES)) return 'locked';
    if (!(await verifyPassword(account.password_hash, password.slice(0, 1000)))) return 'wrong';
    await hit(kysely, clock, rights, windowMs);
    return 'ok';
  }

  app.get('/area/contact', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    const q = request.query as Record<string, unknown>;
    const found = await flows.load(kysely, request);
    return showContact(request, reply, {
      account,
      done: isDone(q.done) ? q.done : undefined,
      restart: q.restart === 'expired' ? 'expired' : undefined,
      pending: found.status === 'active' && found.flow.accountId === account.id,
    });
  });

  app.post('/area/contact/address', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    const parsed = parseAddress(request.body, account.country);
    if (!parsed.ok) {
      await audit(kysely, request, account, 'contact.address', 'failure', { codes: parsed.errors.map((e) => e.code).join(',') });
      const values = Object.fromEntries(['address_line', 'postal_code', 'city', 'province'].map((n) => [n, text(request.body, n).slice(0, 300)]));
      return showContact(request, reply, { account, values, errors: byField(parsed.errors) }, 400);
    }
    const a = parsed.value;
    await kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('accounts')
        .set({ address_line: a.addressLine, postal_code: a.postalCode, city: a.city, province: a.province, updated_at: clock.now().toISOString() })
        .where('id', '=', account.id)
        .execute();
      await audit(trx, request, account, 'contact.address', 'success');
    });
    return reply.redirect('/area/contact?done=address', 303);
  });

  /** R15: a new email or mobile: the password again, then a code to the new value and a pending change. */
  async function requestChange(request: FastifyRequest, reply: FastifyReply, what: What) {
    const account = await sessionAccount(request);
    const valueField = what === 'email' ? 'new_email' : 'new_mobile';
    const passwordField = what === 'email' ? 'email_password' : 'mobile_password';
    const raw = text(request.body, valueField);
    const values = { [valueField]: raw.slice(0, 300) };
    const event = 'contact.change_requested';

    const errors: FieldError[] = [];
    const parsed = parseNewValue(what, raw, valueField);
    if (!parsed.ok) errors.push(...parsed.errors);
    else if (parsed.value === account[what]) errors.push({ field: valueField, code: `contact_same_${what}` });
    const password = await checkPassword(account, text(request.body, passwordField));
    if (password === 'locked') {
      await audit(kysely, request, account, event, 'refused', { what, reason: 'password_limit' });
      return showContact(request, reply, { account, values, refusal: 'passwordLocked' }, 429);
    }
    if (password !== 'ok') errors.push({ field: passwordField, code: password === 'missing' ? 'required' : 'current_password_wrong' });
    if (errors.length || !parsed.ok) {
      await audit(kysely, request, account, event, 'failure', { what, reason: password === 'wrong' ? 'password' : 'invalid', codes: errors.map((e) => e.code).join(',') });
      return showContact(request, reply, { account, values, errors: byField(errors) }, 400);
    }

    const value = parsed.value;
    const accountSends = bucket('contact-send-account', String(account.id));
    const addressSends = bucket('contact-send-ip', addressKey(request.ip));
    const [byAccount, byAddress] = await Promise.all([count(kysely, clock, accountSends, HOUR), count(kysely, clock, addressSends, HOUR)]);
    if (limitReached(byAccount, SENDS_PER_ACCOUNT) || limitReached(byAddress, SENDS_PER_ADDRESS)) {
      await audit(kysely, request, account, event, 'refused', { what, reason: 'send_limit' });
      return showContact(request, reply, { account, values, refusal: 'sendLimit' }, 429);
    }

    const code = sixDigitCode();
    const now = clock.now();
    await kysely.transaction().execute(async (trx) => {
      // A new request voids the previous code, in any browser.
      await voidCodes(trx, { accountId: account.id }, now.toISOString());
      const flow = await flows.start(trx, reply, { state: 'code', accountId: account.id, data: { what, value } });
      await trx
        .insertInto('one_time_tokens')
        .values({
          purpose: CODE_PURPOSE,
          token_hash: codeDigest(config.secretKey, flow.id, code),
          account_id: account.id,
          flow_id: flow.id,
          channel: what === 'email' ? 'email' : 'sms',
          destination: value,
          expires_at: new Date(now.getTime() + CODE_TTL_MS).toISOString(),
          created_at: now.toISOString(),
        })
        .execute();
      if (what === 'email') await courier.email(trx, value, request.lang, contactCodeEmail, { code });
      else await courier.sms(trx, value, request.lang, CODE_PURPOSE, request.t('sms.contactCode', { brand: config.brand.name, code }));
      await audit(trx, request, account, event, 'success', { what, to: masked(what, value) });
    });
    await Promise.all([hit(kysely, clock, accountSends, HOUR), hit(kysely, clock, addressSends, HOUR)]);
    deps.kickOutbox?.();
    return reply.redirect('/area/contact/confirm', 303);
  }

  app.post('/area/contact/email', { preHandler: guard }, (request, reply) => requestChange(request, reply, 'email'));
  app.post('/area/contact/mobile', { preHandler: guard }, (request, reply) => requestChange(request, reply, 'mobile'));

  // R15: removing the mobile needs the password too; sign-in codes then go by email (R7 needs a channel it has).
  app.post('/area/contact/mobile/remove', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    if (!account.mobile) return reply.redirect('/area/contact', 303);
    const event = 'contact.mobile_removed';
    const password = await checkPassword(account, text(request.body, 'remove_password'));
    if (password === 'locked') {
      await audit(kysely, request, account, event, 'refused', { reason: 'password_limit' });
      return showContact(request, reply, { account, refusal: 'passwordLocked' }, 429);
    }
    if (password !== 'ok') {
      await audit(kysely, request, account, event, 'failure', { reason: password === 'wrong' ? 'password' : 'invalid' });
      return showContact(request, reply, { account, errors: { remove_password: { code: password === 'missing' ? 'required' : 'current_password_wrong' } } }, 400);
    }
    const now = clock.now().toISOString();
    const resetChannel = account.preferred_channel === 'sms';
    await kysely.transaction().execute(async (trx) => {
      await trx
        .updateTable('accounts')
        .set({ mobile: null, mobile_verified_at: null, updated_at: now, ...(resetChannel ? { preferred_channel: 'email' as const } : {}) })
        .where('id', '=', account.id)
        .execute();
      await courier.email(trx, account.email, account.language, mobileRemovedEmail, {});
      await audit(trx, request, account, event, 'success', { preferredChannelReset: resetChannel });
    });
    deps.kickOutbox?.();
    return reply.redirect('/area/contact?done=removed', 303);
  });

  app.get('/area/contact/confirm', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    const found = await flows.load(kysely, request);
    if (found.status === 'expired') return reply.redirect('/area/contact?restart=expired', 303);
    if (found.status !== 'active' || found.flow.accountId !== account.id) return reply.redirect('/area/contact', 303);
    return sendPage(reply, <ConfirmPage ctx={request.pageContext()} change={found.flow.data} />);
  });

  app.post('/area/contact/confirm', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    const found = await flows.load(kysely, request);
    const now = clock.now().toISOString();
    /** The change cannot go on: its codes voided, the flow ended, the contact page offers to start again. */
    const restart = async (reason: Restart, flow?: Flow<ChangeData>) => {
      if (flow) await voidCodes(kysely, { flowId: flow.id }, now);
      await flows.end(kysely, request, reply);
      await audit(kysely, request, account, 'contact.code', 'failure', { ...(flow ? { what: flow.data.what } : {}), reason });
      const values = flow ? { [flow.data.what === 'email' ? 'new_email' : 'new_mobile']: shown(flow.data.what, flow.data.value) } : {};
      return showContact(request, reply, { account, values, restart: reason }, 400);
    };
    if (found.status === 'expired') return restart('expired');
    if (found.status !== 'active' || found.flow.accountId !== account.id) return reply.redirect('/area/contact', 303);
    const flow = found.flow;

    const result = await checkCode(kysely, clock, config.secretKey, flow, account.id, text(request.body, 'code').slice(0, 20));
    if (result.kind === 'wrong') {
      await audit(kysely, request, account, 'contact.code', 'failure', { what: flow.data.what, reason: 'wrong', remaining: result.remaining });
      return sendPage(reply, <ConfirmPage ctx={request.pageContext()} change={flow.data} errors={{ code: { code: 'code_wrong', params: { remaining: result.remaining } } }} />, 400);
    }
    if (result.kind === 'exhausted') return restart('exhausted', flow);
    if (result.kind === 'expired') return restart('codeExpired', flow);
    if (result.kind === 'replaced') return restart('replaced', flow);

    // The change, the notices and the audit commit together (R25); the single-use update guards against a double submit.
    const { what, value } = result;
    const applied = await kysely.transaction().execute(async (trx) => {
      const used = await trx
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('id', '=', result.tokenId)
        .where('used_at', 'is', null)
        .where('voided_at', 'is', null)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) return false;
      const before = await trx.selectFrom('accounts').select(['email', 'language']).where('id', '=', account.id).executeTakeFirstOrThrow();
      if (what === 'email') {
        await trx.updateTable('accounts').set({ email: value, email_verified_at: now, updated_at: now }).where('id', '=', account.id).execute();
        // R15: the old email is told, so a takeover through a stolen session does not go unnoticed.
        await courier.email(trx, before.email, before.language, emailChangedEmail, { newEmail: value });
      } else {
        await trx.updateTable('accounts').set({ mobile: value, mobile_verified_at: now, updated_at: now }).where('id', '=', account.id).execute();
        await courier.email(trx, before.email, before.language, mobileChangedEmail, { maskedMobile: maskPhone(value) });
      }
      await audit(trx, request, account, 'contact.changed', 'success', { what, to: masked(what, value) });
      await flows.end(trx, request, reply);
      return true;
    });
    if (!applied) return restart('replaced', flow);
    deps.kickOutbox?.();
    return reply.redirect(`/area/contact?done=${what}`, 303);
  });
}
