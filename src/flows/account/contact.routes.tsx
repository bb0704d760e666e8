import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import type { FieldError } from '../../domain/result.js';
import type { Db } from '../../infra/db/database.js';
import type { Flow } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ADDRESS_FIELDS } from '../../infra/web/address-fields.js';
import { byField, formText } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import {
  applyChange,
  checkCode,
  checkPassword,
  contactChanges,
  masked,
  parseAddress,
  parseNewValue,
  removeMobile,
  saveAddress,
  sendChangeCode,
  takeSend,
  shown,
  voidCodes,
  type AddressInput,
  type ChangeData,
  type What,
} from './contact.flow.js';
import { ConfirmPage, ContactPage, isDone, type ContactView, type Restart } from './contact.views.js';
import { getAccount, lockAccount, memberActor } from '../../identity/accounts.js';

// R15 contact data over HTTP; the rules and the state diagram are in contact.flow.ts.
// Every route works on the session's account only: no id a form carries is ever read (R15, server-side authorisation).

export interface ContactDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
}

const addressInput = (body: unknown): AddressInput => ({
  addressLine: formText(body, 'address_line'),
  postalCode: formText(body, 'postal_code'),
  city: formText(body, 'city'),
  province: formText(body, 'province'),
  country: formText(body, 'country'),
});

export async function contactRoutes(app: FastifyInstance, deps: ContactDeps): Promise<void> {
  const { db, clock, config, courier } = deps;
  const kysely = db.kysely;
  const guard = requireMember(deps.sessions, db);
  const flows = contactChanges(clock, config.secureCookies);
  const sender = { courier, secretKey: config.secretKey, brandName: config.brand.name };

  // The only account these routes read or write: the one the session belongs to.
  const sessionAccount = (request: FastifyRequest) => getAccount(kysely, request.memberSession!.accountId);
  const showContact = (
    request: FastifyRequest,
    reply: FastifyReply,
    view: ContactView,
    status: ReplyOutcome = 'shown',
  ) => sendPage(reply, <ContactPage ctx={request.pageContext()} view={view} />, status);

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
    const parsed = parseAddress(addressInput(request.body), account.country);
    if (!parsed.ok) {
      await request.audit('contact.address', 'failure', {
        ...memberActor(account),
        details: {
          codes: parsed.errors.map((e) => e.code).join(','),
        },
      });
      const values = Object.fromEntries(ADDRESS_FIELDS.map((n) => [n, formText(request.body, n).slice(0, 300)]));
      return showContact(request, reply, { account, values, errors: byField(parsed.errors) }, 'invalid');
    }
    await kysely.transaction().execute(async (trx) => {
      await saveAddress(trx, account.id, parsed.value, clock.now().toISOString());
      await request.audit('contact.address', 'success', { ...memberActor(account) }, trx);
    });
    return reply.redirect('/area/contact?done=address', 303);
  });

  /** R15: a new email or mobile: the password again, then a code to the new value and a pending change. */
  async function requestChange(request: FastifyRequest, reply: FastifyReply, what: What) {
    const account = await sessionAccount(request);
    const valueField = what === 'email' ? 'new_email' : 'new_mobile';
    const passwordField = what === 'email' ? 'email_password' : 'mobile_password';
    const raw = formText(request.body, valueField);
    const values = { [valueField]: raw.slice(0, 300) };
    const event = 'contact.change_requested';

    const errors: FieldError[] = [];
    const parsed = parseNewValue(what, raw, valueField);
    if (!parsed.ok) errors.push(...parsed.errors);
    else if (parsed.value === account[what]) errors.push({ field: valueField, code: `contact_same_${what}` });
    const password = await checkPassword(kysely, clock, account, formText(request.body, passwordField));
    if (password === 'locked') {
      await request.audit(event, 'refused', { ...memberActor(account), details: { what, reason: 'password_limit' } });
      return showContact(request, reply, { account, values, refusal: 'passwordLocked' }, 'limited');
    }
    if (password !== 'ok')
      errors.push({ field: passwordField, code: password === 'missing' ? 'required' : 'current_password_wrong' });
    if (errors.length || !parsed.ok) {
      await request.audit(event, 'failure', {
        ...memberActor(account),
        details: {
          what,
          reason: password === 'wrong' ? 'password' : 'invalid',
          codes: errors.map((e) => e.code).join(','),
        },
      });
      return showContact(request, reply, { account, values, errors: byField(errors) }, 'invalid');
    }

    const change: ChangeData = { what, value: parsed.value };
    const send = await takeSend(kysely, clock, account.id, request.ip);
    if (send.limited) {
      await request.audit(event, 'refused', { ...memberActor(account), details: { what, reason: 'send_limit' } });
      return showContact(request, reply, { account, values, refusal: 'sendLimit' }, 'limited');
    }

    const now = clock.now();
    await kysely
      .transaction()
      .execute(async (trx) => {
        // A new request voids the previous code, in any browser (the row lock: concurrent requests keep one code).
        await lockAccount(trx, account.id);
        await voidCodes(trx, { accountId: account.id }, now.toISOString());
        const flow = await flows.start(trx, reply, { state: 'code', accountId: account.id, data: change });
        await sendChangeCode(trx, sender, {
          accountId: account.id,
          flowId: flow.id,
          change,
          now,
          lang: request.lang,
          t: request.t,
        });
        await request.audit(
          event,
          'success',
          { ...memberActor(account), details: { what, to: masked(what, change.value) } },
          trx,
        );
      })
      .catch(async (error: unknown) => {
        await send.giveBack();
        throw error;
      });
    deps.kickOutbox?.();
    return reply.redirect('/area/contact/confirm', 303);
  }

  app.post('/area/contact/email', { preHandler: guard }, (request, reply) => requestChange(request, reply, 'email'));
  app.post('/area/contact/mobile', { preHandler: guard }, (request, reply) => requestChange(request, reply, 'mobile'));

  // R15: removing the mobile needs the password too.
  app.post('/area/contact/mobile/remove', { preHandler: guard }, async (request, reply) => {
    const account = await sessionAccount(request);
    if (!account.mobile) return reply.redirect('/area/contact', 303);
    const event = 'contact.mobile_removed';
    const password = await checkPassword(kysely, clock, account, formText(request.body, 'remove_password'));
    if (password === 'locked') {
      await request.audit(event, 'refused', { ...memberActor(account), details: { reason: 'password_limit' } });
      return showContact(request, reply, { account, refusal: 'passwordLocked' }, 'limited');
    }
    if (password !== 'ok') {
      await request.audit(event, 'failure', {
        ...memberActor(account),
        details: {
          reason: password === 'wrong' ? 'password' : 'invalid',
        },
      });
      return showContact(
        request,
        reply,
        {
          account,
          errors: { remove_password: { code: password === 'missing' ? 'required' : 'current_password_wrong' } },
        },
        'invalid',
      );
    }
    await kysely.transaction().execute(async (trx) => {
      const preferredChannelReset = await removeMobile(trx, courier, account, clock.now().toISOString());
      await request.audit(event, 'success', { ...memberActor(account), details: { preferredChannelReset } }, trx);
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
      await request.audit('contact.code', 'failure', {
        ...memberActor(account),
        details: {
          ...(flow ? { what: flow.data.what } : {}),
          reason,
        },
      });
      const values = flow
        ? { [flow.data.what === 'email' ? 'new_email' : 'new_mobile']: shown(flow.data.what, flow.data.value) }
        : {};
      return showContact(request, reply, { account, values, restart: reason }, 'invalid');
    };
    if (found.status === 'expired') return restart('expired');
    if (found.status !== 'active' || found.flow.accountId !== account.id) return reply.redirect('/area/contact', 303);
    const flow = found.flow;

    const result = await checkCode(
      kysely,
      clock,
      config.secretKey,
      flow,
      account.id,
      formText(request.body, 'code').slice(0, 20),
    );
    if (result.kind === 'wrong') {
      await request.audit('contact.code', 'failure', {
        ...memberActor(account),
        details: {
          what: flow.data.what,
          reason: 'wrong',
          remaining: result.remaining,
        },
      });
      return sendPage(
        reply,
        <ConfirmPage
          ctx={request.pageContext()}
          change={flow.data}
          errors={{ code: { code: 'code_wrong', params: { remaining: result.remaining } } }}
        />,
        'invalid',
      );
    }
    if (result.kind === 'exhausted') return restart('exhausted', flow);
    if (result.kind === 'expired') return restart('codeExpired', flow);
    if (result.kind === 'replaced') return restart('replaced', flow);
    if (result.kind === 'duplicate') return reply.redirect('/area/contact', 303);

    // The change, the notices and the audit commit together (R25).
    const { what, value } = result;
    const applied = await kysely.transaction().execute(async (trx) => {
      if (!(await applyChange(trx, courier, account.id, result, now))) return false;
      await request.audit(
        'contact.changed',
        'success',
        { ...memberActor(account), details: { what, to: masked(what, value) } },
        trx,
      );
      await flows.end(trx, request, reply);
      return true;
    });
    if (!applied) return restart('replaced', flow);
    deps.kickOutbox?.();
    return reply.redirect(`/area/contact?done=${what}`, 303);
  });
}
