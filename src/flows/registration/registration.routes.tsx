import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { rulesOf } from '../../domain/password-policy.js';
import { normaliseReference } from '../../domain/reference-number.js';
import { captchaErrorCode, type Captcha } from '../../infra/captcha/captcha.js';
import { captchaAnswer } from '../../infra/captcha/captcha-field.js';
import type { Db } from '../../infra/db/database.js';
import type { Member } from '../../infra/db/tables.js';
import type { Flow } from '../../infra/flows/flow-store.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { byField, formText } from '../../infra/web/form.js';
import { sendPage } from '../../infra/web/view.js';
import {
  completeRegistration,
  identify,
  lookupDocument,
  parseDetails,
  registrationFlows,
  type DetailsOutcome,
  type RegistrationData,
} from './registration.flow.js';
import { beginDocumentLookup, beginIdentification, identifyCaptchaShown } from './registration.throttle.js';
import {
  AlreadyDonePage,
  DetailsPage,
  DonePage,
  IdentifyPage,
  IneligiblePage,
  PasswordPage,
  ReturningPage,
  TooManyPage,
} from './registration.views.js';

export interface RegistrationDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  captcha: Captcha;
  kickOutbox?: (() => void) | undefined;
}

type Body = Record<string, string | undefined>;

export async function registrationRoutes(app: FastifyInstance, deps: RegistrationDeps): Promise<void> {
  const { db, clock, config } = deps;
  const kysely = db.kysely;
  const flows = registrationFlows(clock, config.secureCookies);

  /** The browser's registration flow, or the page to send it to when there is none to continue. */
  async function currentFlow(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ flow: Flow<RegistrationData>; member: Member } | undefined> {
    const found = await flows.load(kysely, request);
    if (found.status !== 'active') {
      // R6: an expired flow restarts with a message, never an error page.
      reply.redirect(found.status === 'expired' ? '/register?expired=1' : '/register', 303);
      return undefined;
    }
    const member = await kysely
      .selectFrom('members')
      .selectAll()
      .where('id', '=', found.flow.memberId!)
      .executeTakeFirst();
    if (!member) {
      await flows.end(kysely, request, reply);
      reply.redirect('/register', 303);
      return undefined;
    }
    return { flow: found.flow, member };
  }

  const stepUrl: Record<string, string> = {
    details: '/register/details',
    password: '/register/password',
    returning: '/register/details',
    done: '/register/done',
  };

  app.get('/register', async (request, reply) => {
    const expired = (request.query as Body).expired === '1';
    const captcha = await identifyCaptchaShown(kysely, clock, request.ip);
    return sendPage(
      reply,
      <IdentifyPage
        ctx={request.pageContext()}
        view={{ values: {}, captcha, ...(expired ? { notice: 'expired' } : {}) }}
      />,
    );
  });

  app.post('/register', async (request, reply) => {
    const values = {
      member_number: formText(request.body, 'member_number').slice(0, 100),
      birth_date: formText(request.body, 'birth_date').slice(0, 100),
      policy_number: formText(request.body, 'policy_number').slice(0, 100),
    };
    const memberNumber = normaliseReference(values.member_number);
    // R6, R9: the attempt is counted before anything is checked (registration.throttle.ts), and given back unless
    // it turns out to be a mismatch, so a burst gets no more tries than a sequence.
    const gate = await beginIdentification(kysely, clock, request.ip, memberNumber);
    if (gate.kind === 'refused') {
      await request.audit('registration.identify', 'refused', {
        actor: 'anonymous',
        subject: memberNumber || null,
        details: { reason: 'rate_limited' },
      });
      return sendPage(reply, <TooManyPage ctx={request.pageContext()} />, 'limited');
    }
    const { attempt } = gate;
    const captchaRequired = attempt.captchaRequired;
    if (captchaRequired) {
      const verdict = await deps.captcha.verify(captchaAnswer(request.body), request.ip);
      if (verdict !== 'ok') {
        await attempt.withdraw();
        await request.audit('registration.identify', 'refused', {
          actor: 'anonymous',
          subject: memberNumber || null,
          details: { reason: `captcha_${verdict}` },
        });
        const view = {
          values,
          captcha: true,
          notice: 'captcha' as const,
          errors: { altcha: { code: captchaErrorCode(verdict) } },
        };
        return sendPage(reply, <IdentifyPage ctx={request.pageContext()} view={view} />, 'invalid');
      }
    }

    const outcome = await identify(kysely, clock, config.timeZone, {
      memberNumber: values.member_number,
      birthDate: values.birth_date,
      policyNumber: values.policy_number,
    });
    if (outcome.kind !== 'mismatch') await attempt.withdraw();
    if (outcome.kind === 'invalid') {
      return sendPage(
        reply,
        <IdentifyPage
          ctx={request.pageContext()}
          view={{ values, errors: byField(outcome.errors), captcha: captchaRequired }}
        />,
        'invalid',
      );
    }
    if (outcome.kind === 'mismatch') {
      await request.audit('registration.identify', 'failure', {
        actor: 'anonymous',
        subject: memberNumber,
        details: { reason: 'mismatch' },
      });
      return sendPage(
        reply,
        <IdentifyPage
          ctx={request.pageContext()}
          view={{ values, notice: 'mismatch', captcha: attempt.captchaNext }}
        />,
        'invalid',
      );
    }
    if (outcome.kind === 'ineligible') {
      await request.audit('registration.identify', 'refused', {
        actor: 'anonymous',
        subject: outcome.member.member_number,
        memberId: outcome.member.id,
        details: { reason: outcome.reason },
      });
      return sendPage(reply, <IneligiblePage ctx={request.pageContext()} reason={outcome.reason} />);
    }
    await flows.start(kysely, reply, { state: 'details', memberId: outcome.member.id, data: {} });
    await request.audit('registration.identify', 'success', {
      actor: 'anonymous',
      subject: outcome.member.member_number,
      memberId: outcome.member.id,
    });
    return reply.redirect('/register/details', 303);
  });

  const detailsValues = (member: Member, data: RegistrationData) => {
    const d = data.details;
    return {
      address_line: d?.addressLine ?? member.address_line,
      postal_code: d ? (d.postalCode ?? '') : member.postal_code,
      country: d?.country ?? member.country,
      city: d?.city ?? member.city,
      province: d?.province ?? member.province,
      email: d?.email ?? member.email,
      mobile: d?.mobile ?? member.mobile,
      document_type: d?.documentType ?? member.document_type,
      document_number: d?.documentNumber ?? '',
    };
  };

  app.get('/register/details', async (request, reply) => {
    const current = await currentFlow(request, reply);
    if (!current) return reply;
    const { flow, member } = current;
    if (flow.state === 'returning') return sendPage(reply, <ReturningPage ctx={request.pageContext()} />);
    if (flow.state === 'done') return reply.redirect('/register/done', 303);
    return sendPage(
      reply,
      <DetailsPage
        ctx={request.pageContext()}
        view={{ values: detailsValues(member, flow.data), recordHasDocument: member.document_number !== null }}
      />,
    );
  });

  app.post('/register/details', async (request, reply) => {
    const current = await currentFlow(request, reply);
    if (!current) return reply;
    const { flow, member } = current;
    if (flow.state !== 'details' && flow.state !== 'password')
      return reply.redirect(stepUrl[flow.state] ?? '/register', 303);
    const input = {
      addressLine: formText(request.body, 'address_line'),
      postalCode: formText(request.body, 'postal_code'),
      country: formText(request.body, 'country').slice(0, 10),
      city: formText(request.body, 'city'),
      province: formText(request.body, 'province'),
      email: formText(request.body, 'email'),
      mobile: formText(request.body, 'mobile'),
      documentType: formText(request.body, 'document_type'),
      documentNumber: formText(request.body, 'document_number'),
    };
    const parsed = parseDetails(member, input);
    let outcome: DetailsOutcome;
    if (parsed.kind === 'invalid') outcome = parsed;
    else if (parsed.details.documentNumber === member.document_number)
      outcome = await lookupDocument(kysely, member, parsed.details);
    else {
      // Issue 15: for a record without a document, looking up the one typed says whether it is an insured person's,
      // so each lookup is counted first, per member record and per client address, and given back when the document
      // turns out to be free. (A record that carries a document accepts only that one: parseDetails.)
      const giveBack = await beginDocumentLookup(kysely, clock, request.ip, member.id);
      if (!giveBack) {
        await request.audit('registration.details', 'refused', {
          actor: 'anonymous',
          subject: member.member_number,
          memberId: member.id,
          details: { reason: 'document_lookups' },
        });
        return sendPage(reply, <TooManyPage ctx={request.pageContext()} />, 'limited');
      }
      outcome = await lookupDocument(kysely, member, parsed.details);
      if (outcome.kind === 'ok') await giveBack();
    }
    if (outcome.kind === 'invalid') {
      await request.audit('registration.details', 'failure', {
        actor: 'anonymous',
        subject: member.member_number,
        memberId: member.id,
        details: { codes: outcome.errors.map((e) => `${e.field}:${e.code}`).join(',') },
      });
      const values = {
        address_line: input.addressLine.slice(0, 200),
        postal_code: input.postalCode.slice(0, 12),
        country: input.country,
        city: input.city.slice(0, 100),
        province: input.province.slice(0, 100),
        email: input.email.slice(0, 254),
        mobile: input.mobile.slice(0, 30),
        document_type: input.documentType.slice(0, 10),
        document_number: input.documentNumber.slice(0, 40),
      };
      return sendPage(
        reply,
        <DetailsPage
          ctx={request.pageContext()}
          view={{ values, errors: byField(outcome.errors), recordHasDocument: member.document_number !== null }}
        />,
        'invalid',
      );
    }
    if (outcome.kind === 'returning') {
      const moved = await flows.advance(kysely, flow, ['details', 'password'], 'returning', {
        details: outcome.details,
        returningAccountId: outcome.accountId,
      });
      if (!moved) return reply.redirect('/register?expired=1', 303);
      await request.audit('registration.details', 'info', {
        actor: 'anonymous',
        subject: member.member_number,
        memberId: member.id,
        details: { returning: true },
      });
      return reply.redirect('/register/details', 303);
    }
    const moved = await flows.advance(kysely, flow, ['details', 'password'], 'password', { details: outcome.details });
    if (!moved) return reply.redirect('/register?expired=1', 303);
    await request.audit('registration.details', 'success', {
      actor: 'anonymous',
      subject: member.member_number,
      memberId: member.id,
    });
    return reply.redirect('/register/password', 303);
  });

  const emptyRules = rulesOf().map((rule) => ({ rule, met: null }));

  app.get('/register/password', async (request, reply) => {
    const current = await currentFlow(request, reply);
    if (!current) return reply;
    const { flow } = current;
    if (flow.state !== 'password' || !flow.data.details) return reply.redirect(stepUrl[flow.state] ?? '/register', 303);
    return sendPage(
      reply,
      <PasswordPage
        ctx={request.pageContext()}
        view={{ username: flow.data.details.documentNumber, rules: emptyRules }}
      />,
    );
  });

  app.post('/register/back', async (request, reply) => {
    const current = await currentFlow(request, reply);
    if (!current) return reply;
    if (current.flow.state === 'password') await flows.advance(kysely, current.flow, 'password', 'details');
    return reply.redirect('/register/details', 303);
  });

  app.post('/register/password', async (request, reply) => {
    const current = await currentFlow(request, reply);
    if (!current) return reply;
    const { flow, member } = current;
    // R6: step 3 only after steps 1 and 2, in this browser, once.
    if (flow.state === 'done') return sendPage(reply, <AlreadyDonePage ctx={request.pageContext()} />, 'conflict');
    if (flow.state !== 'password' || !flow.data.details) return reply.redirect(stepUrl[flow.state] ?? '/register', 303);
    const details = flow.data.details;
    const outcome = await completeRegistration(
      { db: kysely, clock, courier: deps.courier, audit: request.auditContext(), lang: request.lang },
      member,
      details,
      formText(request.body, 'password'),
      formText(request.body, 'password_confirmation'),
      (trx) => flows.advance(trx, flow, 'password', 'done'),
    );
    if (outcome.kind === 'invalid') {
      await request.audit('registration.password', 'failure', {
        actor: 'anonymous',
        subject: member.member_number,
        memberId: member.id,
        details: { codes: outcome.errors.map((e) => e.code).join(',') },
      });
      return sendPage(
        reply,
        <PasswordPage
          ctx={request.pageContext()}
          view={{ username: details.documentNumber, rules: outcome.rules, errors: byField(outcome.errors) }}
        />,
        'invalid',
      );
    }
    if (outcome.kind === 'taken') {
      await request.audit('registration.password', 'refused', {
        actor: 'anonymous',
        subject: member.member_number,
        memberId: member.id,
        details: { reason: 'already_registered' },
      });
      return sendPage(reply, <AlreadyDonePage ctx={request.pageContext()} />, 'conflict');
    }
    deps.kickOutbox?.();
    return reply.redirect('/register/done', 303);
  });

  app.get('/register/done', async (request, reply) => {
    const found = await flows.load(kysely, request);
    if (found.status !== 'active' || found.flow.state !== 'done') return reply.redirect('/register', 303);
    await flows.end(kysely, request, reply);
    return sendPage(reply, <DonePage ctx={request.pageContext()} email={found.flow.data.details?.email ?? null} />);
  });
}
