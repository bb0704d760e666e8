import multipart, { type Multipart } from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import type { Config } from '../../config.js';
import { todayIn } from '../../domain/calendar.js';
import { refusalOf } from '../../domain/error-codes.js';
import { maskIban } from '../../domain/iban.js';
import { parseRequestReference } from '../../domain/request-reference.js';
import { requestLists } from '../../domain/request-lists.js';
import type { FieldError } from '../../domain/result.js';
import { getAccount, memberActor } from '../../identity/accounts.js';
import { visibleMembers, type VisibleMember } from '../../identity/visible-members.js';
import { randomToken } from '../../infra/crypto/tokens.js';
import type { Db } from '../../infra/db/database.js';
import type { Request } from '../../infra/db/tables.js';
import { sendAttachment } from '../../infra/files/download.js';
import { findFile, listFilesOfRequest, openFile } from '../../infra/files/files.repository.js';
import type { Lang } from '../../infra/i18n/i18n.js';
import type { Courier } from '../../infra/outbox/courier.js';
import { queueStatusEmails } from '../../infra/requests/request-notices.js';
import { takeDailyBytes, takeDailyQuota, takeFormPost } from '../../infra/requests/request-quota.js';
import { secondsUntilWindowEnds } from '../../infra/rate-limit/rate-limit.js';
import type { RequestType } from '../../domain/request-reference.js';
import { inStoreLane, type UploadPacer } from '../../infra/files/upload-pacer.js';
import {
  createRequest,
  findRequestByFormToken,
  findRequestByReference,
  FORM_TOKEN,
  ibanUsedBefore,
  listRequestsOfPatients,
  requestTimeline,
  transitionRequest,
} from '../../infra/requests/requests.repository.js';
import { requireMember } from '../../infra/session/guard.js';
import type { Sessions } from '../../infra/session/session.js';
import { ErrorPage } from '../../infra/web/error-page.js';
import { byField } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import {
  checkAuthorization,
  checkReimbursement,
  MULTIPART_LIMITS,
  rawField,
  readForm,
  textField,
  MAX_LONG_TEXT,
  type FileProblem,
  type ReadForm,
} from './requests.form.js';
import { checkStepUp, sendStepUp, stepUpBinding, stepUpChannel, type StepUpDeps } from './requests.stepup.js';
import {
  AuthorizationFormPage,
  ReimbursementFormPage,
  RequestListPage,
  RequestPage,
  type FormView,
  type ListItem,
  type RequestView,
} from './requests.views.js';

export interface RequestsDeps {
  config: Config;
  db: Db;
  clock: Clock;
  courier: Courier;
  sessions: Sessions;
  kickOutbox?: (() => void) | undefined;
  /** The node's upload pace (R31, PRODUCT §5): every uploaded byte is read at it. */
  uploadPacer?: UploadPacer | undefined;
}

const PAGE_SIZE = 50;

/** The fields a form shows again after a refusal, as the member wrote them (files are chosen again). */
const REIMBURSEMENT_FIELDS = ['patient', 'service_date', 'provider', 'amount', 'concept', 'iban'] as const;
const AUTHORIZATION_FIELDS = [
  'patient',
  'category',
  'prescription',
  'prescribing_doctor',
  'preferred_provider',
] as const;

/** R31, the member's side of requests (reimbursements and authorizations), under /area/requests. */
export async function requestsRoutes(app: FastifyInstance, deps: RequestsDeps): Promise<void> {
  const { config, db, clock } = deps;
  const kysely = db.kysely;
  const box = config.secretBox;
  const lists = requestLists(config.brand);
  const stepUpDeps: StepUpDeps = {
    db: kysely,
    clock,
    courier: deps.courier,
    brand: config.brand,
    box,
    secretKey: config.secretKey,
  };
  const timeFormat: Record<Lang, Intl.DateTimeFormat> = {
    es: new Intl.DateTimeFormat('es-ES', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
    en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: config.timeZone }),
  };
  const when = (lang: Lang, iso: string) => timeFormat[lang].format(new Date(iso));
  // R31, PRODUCT §5: a transaction that stores files takes the node's store lane (one at a time, upload-pacer.ts).
  const storeFiles = <T,>(files: readonly unknown[], store: () => Promise<T>): Promise<T> =>
    files.length > 0 ? inStoreLane(deps.uploadPacer, store) : store();

  // Multipart only in this slice (encapsulated): a file is cut one byte past its cap, then refused as too large.
  // preservePath: busboy would cut "../../x.pdf" to "x.pdf"; the name is kept whole so a path trick is refused.
  await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: false, preservePath: true });
  app.addHook('preHandler', requireMember(deps.sessions, db));

  // The CSRF check (web.plugin's preHandler) reads `_csrf` from the parsed body, and a multipart body is read by the
  // handler, as a stream. The forms put `_csrf` first: it is read here, before the check, and the rest of the parts
  // are left for the handler. A body whose first part is anything else carries no token and is refused (403).
  const pending = new WeakMap<FastifyRequest, AsyncIterableIterator<Multipart>>();
  async function csrfFromMultipart(request: FastifyRequest): Promise<void> {
    if (!request.isMultipart()) return;
    const parts = request.parts();
    try {
      const first = await parts.next();
      if (!first.done && first.value.type === 'field' && first.value.fieldname === '_csrf')
        request.body = { _csrf: String(first.value.value ?? '') };
      else if (!first.done && first.value.type === 'file') first.value.file.resume();
    } catch {
      return; // a malformed body: no token, refused by the CSRF check
    }
    pending.set(request, parts);
  }

  /** Who the viewer may see now, and whose area is shown (R14, checked on every request as the area does). */
  async function scope(request: FastifyRequest) {
    const session = request.memberSession!;
    const visible = await visibleMembers(kysely, clock, config.timeZone, session.accountId);
    const self = visible.filter((v) => v.relation === 'self');
    const acting = visible.find((v) => v.id === session.actingMemberId) ?? self[0];
    return { session, visible, self, acting };
  }

  /** R31, R9: past FORM_POSTS_PER_HOUR, the post is refused before its body is read, with the time to wait. */
  async function tooManyPosts(request: FastifyRequest, reply: FastifyReply, form: RequestType | 'answer') {
    await request.audit(form === 'answer' ? 'request.answer' : `request.${form}`, 'refused', {
      accountId: request.memberSession!.accountId,
      details: { reason: 'posts_limit' },
    });
    reply.header('retry-after', String(secondsUntilWindowEnds(clock, 60 * 60 * 1000)));
    return sendPage(
      reply,
      ErrorPage({
        ctx: request.pageContext(),
        titleKey: 'requests.postsLimited.title',
        bodyKey: 'requests.postsLimited.body',
      }),
      'limited',
    );
  }

  const notFound = (request: FastifyRequest, reply: FastifyReply) =>
    sendPage(
      reply,
      ErrorPage({ ctx: request.pageContext(), titleKey: 'error.notFound.title', bodyKey: 'error.notFound.body' }),
      'notFound',
    );

  /** The request named by a reference, if the viewer may see it (its patient is one of theirs now, R14); else 404. */
  async function visibleRequest(request: FastifyRequest, reference: string) {
    const s = await scope(request);
    const parsed = parseRequestReference(reference.slice(0, 40));
    const found = parsed ? await findRequestByReference(kysely, parsed.reference) : undefined;
    const patient = found ? s.visible.find((v) => v.id === found.patient_member_id) : undefined;
    if (!found || !patient) {
      await request.audit('request.view', 'refused', {
        accountId: s.session.accountId,
        subject: reference.slice(0, 40),
      });
      return { ...s, found: undefined, patient: undefined };
    }
    return { ...s, found, patient };
  }

  const personName = (m: VisibleMember) => `${m.firstName} ${m.lastName}`;

  // --- The list ---------------------------------------------------------------------------------------------------

  app.get('/area/requests', async (request, reply) => {
    const { self, acting } = await scope(request);
    // The area shown: the minor's requests when acting for one (R14), the member's own otherwise.
    const people = acting?.relation === 'minor' ? [acting] : self;
    const raw = (request.query as Record<string, unknown>).before;
    const before = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
    const rows = await listRequestsOfPatients(
      kysely,
      people.map((p) => p.id),
      { limit: PAGE_SIZE + 1, ...(before !== undefined ? { beforeId: before } : {}) },
    );
    const shown = rows.slice(0, PAGE_SIZE);
    const items: ListItem[] = shown.map((r) => ({
      reference: r.reference,
      type: r.type,
      status: r.status,
      patient: personName(people.find((p) => p.id === r.patient_member_id)!),
      submitted: when(request.lang, r.submitted_at),
    }));
    const olderHref = rows.length > PAGE_SIZE ? `/area/requests?before=${shown.at(-1)!.id}` : undefined;
    return sendPage(
      reply,
      <RequestListPage ctx={request.pageContext()} items={items} acting={acting} olderHref={olderHref} />,
    );
  });

  // --- The forms --------------------------------------------------------------------------------------------------

  function formView(
    visible: VisibleMember[],
    acting: VisibleMember | undefined,
    type: 'reimbursement' | 'authorization',
    extra: Partial<FormView> = {},
  ): FormView {
    return {
      formToken: randomToken(24),
      visible,
      acting,
      values: { patient: acting?.memberNumber ?? '' },
      errors: {},
      fileProblems: [],
      resend: false,
      options: type === 'reimbursement' ? lists.concepts : lists.categories,
      ...extra,
    };
  }

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    type: 'reimbursement' | 'authorization',
    view: FormView,
    outcome: ReplyOutcome = 'shown',
  ) {
    const ctx = request.pageContext();
    const page =
      type === 'reimbursement' ? (
        <ReimbursementFormPage ctx={ctx} view={view} />
      ) : (
        <AuthorizationFormPage ctx={ctx} view={view} />
      );
    return sendPage(reply, page, outcome);
  }

  for (const type of ['reimbursement', 'authorization'] as const) {
    app.get(`/area/requests/new/${type}`, async (request, reply) => {
      const { visible, acting } = await scope(request);
      return showForm(request, reply, type, formView(visible, acting, type));
    });

    app.post(`/area/requests/new/${type}`, { preValidation: csrfFromMultipart }, async (request, reply) => {
      const { session, visible, self, acting } = await scope(request);
      if (!(await takeFormPost(kysely, clock, session.accountId))) return tooManyPosts(request, reply, type);
      const parts = pending.get(request);
      if (!parts) {
        // Not multipart (a form posted as urlencoded by hand, say): nothing to read the files from.
        return showForm(
          request,
          reply,
          type,
          formView(visible, acting, type, { errors: { files: { code: 'files_required' } } }),
          'invalid',
        );
      }
      const form = await readForm(parts, box, deps.uploadPacer);
      const fields = type === 'reimbursement' ? REIMBURSEMENT_FIELDS : AUTHORIZATION_FIELDS;
      const values = Object.fromEntries(fields.map((f) => [f, rawField(form, f)]));
      const rawToken = rawField(form, 'form_token');
      const formToken = FORM_TOKEN.test(rawToken) ? rawToken : randomToken(24);
      const again = (errors: FieldError[], extra: Partial<FormView> = {}, outcome?: ReplyOutcome) =>
        showForm(
          request,
          reply,
          type,
          formView(visible, acting, type, {
            formToken,
            values,
            errors: byField(errors),
            fileProblems: form.fileProblems,
            resend: true,
            ...extra,
          }),
          outcome ?? refusalOf(errors),
        );
      const audit = (outcome: 'success' | 'failure' | 'refused', details: Record<string, string | number>) =>
        request.audit(`request.${type}`, outcome, { accountId: session.accountId, details });

      if (form.broken) {
        await audit('failure', { reason: `body_${form.broken}` });
        return again(
          [
            {
              field: 'files',
              code: form.broken === 'tooLarge' ? 'too_many_files' : 'files_required',
              params: { max: 5 },
            },
          ],
          {},
          form.broken === 'tooLarge' ? 'tooLarge' : 'invalid',
        );
      }
      // The same form already made its request (a second click after it went through): show that request.
      if (FORM_TOKEN.test(rawToken)) {
        const made = await findRequestByFormToken(kysely, session.accountId, rawToken);
        if (made) return reply.redirect(`/area/requests/${made.reference}`, 303);
      }
      const today = todayIn(config.timeZone, clock.now());
      const checked =
        type === 'reimbursement'
          ? checkReimbursement(form, visible, lists.concepts, today)
          : checkAuthorization(form, visible, lists.categories);
      if (!FORM_TOKEN.test(rawToken) && checked.ok)
        // A form with no token of ours: its values are fine, but only a form drawn by the portal may be sent.
        return again([{ field: 'request', code: 'form_expired' }]);
      if (!checked.ok) {
        await audit('failure', {
          codes: checked.errors
            .map((e) => e.code)
            .join(',')
            .slice(0, 200),
        });
        return again(checked.errors);
      }
      const patient = checked.value.patient;
      // The submitting member's own record: the patient's, or (a guardian) theirs on the minor's policy.
      const submitter =
        patient.relation === 'self'
          ? patient
          : (self.find((s) => s.policyNumber === patient.policyNumber) ?? self[0] ?? patient);

      if ('iban' in checked.value) {
        const iban = checked.value.iban;
        if (!(await ibanUsedBefore(kysely, box, session.accountId, iban))) {
          // R31: a new account for the money: the second factor again, bound to this form and this IBAN.
          const account = await getAccount(kysely, session.accountId);
          const binding = stepUpBinding(account.id, formToken, iban);
          const { channel, masked } = stepUpChannel(account);
          const code = rawField(form, 'code').slice(0, 20).trim();
          if (code === '') {
            const sent = await sendStepUp(stepUpDeps, account, binding);
            if (sent === 'sent') deps.kickOutbox?.();
            await request.audit('request.stepup', sent === 'limited' ? 'refused' : 'success', {
              ...memberActor(account),
              details: { action: 'challenge', channel },
            });
            return again(
              [{ field: 'code', code: sent === 'limited' ? 'stepup_limit' : 'stepup_required' }],
              { stepUp: { channel, masked, sent: sent === 'sent' } },
              sent === 'limited' ? 'limited' : 'unauthenticated',
            );
          }
          const result = await checkStepUp(stepUpDeps, account, binding, code);
          if (result.kind !== 'ok') {
            // A repeat of a form that went through meanwhile (the code was spent by its first copy): show it.
            const made = await findRequestByFormToken(kysely, session.accountId, formToken);
            if (made) return reply.redirect(`/area/requests/${made.reference}`, 303);
            await request.audit('request.stepup', 'failure', {
              ...memberActor(account),
              details: { action: 'verify', channel, result: result.kind },
            });
            const error: FieldError =
              result.kind === 'wrong'
                ? channel === 'totp'
                  ? { field: 'code', code: 'totp_code_wrong' }
                  : { field: 'code', code: 'code_wrong', params: { remaining: result.remaining } }
                : result.kind === 'exhausted'
                  ? { field: 'code', code: 'stepup_limit' }
                  : { field: 'code', code: 'code_expired' };
            return again(
              [error],
              { stepUp: { channel, masked, sent: false } },
              result.kind === 'exhausted' ? 'limited' : 'unauthenticated',
            );
          }
          await request.audit('request.stepup', 'success', {
            ...memberActor(account),
            details: { action: 'verify', channel },
          });
        }
      }

      // R31 limits (20 requests and 100 MB a day): counted first, atomically; given back if nothing is kept.
      const bytes = form.files.reduce((sum, f) => sum + f.size, 0);
      const quota = await takeDailyQuota(kysely, clock, session.accountId, bytes);
      if (!quota.ok) {
        const made = await findRequestByFormToken(kysely, session.accountId, formToken);
        if (made) return reply.redirect(`/area/requests/${made.reference}`, 303);
        await audit('refused', { reason: quota.errors[0]!.code });
        return again(quota.errors);
      }
      let outcome;
      try {
        const common = {
          accountId: session.accountId,
          memberId: submitter.id,
          patientMemberId: patient.id,
          formToken,
          files: form.files,
        };
        const value = checked.value;
        outcome = await storeFiles(form.files, () =>
          'iban' in value
            ? createRequest(kysely, clock, config.timeZone, {
                ...common,
                type: 'reimbursement',
                fields: {
                  service_date: value.service_date,
                  provider: value.provider,
                  concept: value.concept,
                  amount_claimed: value.amount_claimed,
                  iban_sealed: box.seal(value.iban),
                  iban_masked: maskIban(value.iban),
                },
              })
            : createRequest(kysely, clock, config.timeZone, {
                ...common,
                type: 'authorization',
                fields: {
                  category: value.category,
                  prescription: value.prescription,
                  prescribing_doctor: value.prescribing_doctor,
                  preferred_provider: value.preferred_provider,
                },
              }),
        );
      } catch (err) {
        await quota.release();
        throw err;
      }
      if (!outcome.created) {
        await quota.release();
        return reply.redirect(`/area/requests/${outcome.request.reference}`, 303);
      }
      await audit('success', { reference: outcome.request.reference, files: form.files.length });
      return reply.redirect(`/area/requests/${outcome.request.reference}?sent=1`, 303);
    });
  }

  // --- A request's page, its answer and its files ------------------------------------------------------------------

  async function showRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    found: Request,
    patient: VisibleMember,
    acting: VisibleMember | undefined,
    answer: RequestView['answer'] = { value: '', errors: {}, fileProblems: [], resend: false },
    outcome: ReplyOutcome = 'shown',
  ) {
    const lang = request.lang;
    const events = await requestTimeline(kysely, found.id);
    const files = await listFilesOfRequest(kysely, found.id);
    const detailsOf = (raw: string): Record<string, unknown> => {
      try {
        const parsed = JSON.parse(raw) as unknown;
        return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
      } catch {
        return {};
      }
    };
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
    const timeline = events.map((e) => {
      const d = detailsOf(e.details);
      return {
        status: e.status,
        when: when(lang, e.at),
        byMember: e.actor === 'member',
        message: e.status === 'needs_info' ? str(d.message) : undefined,
        answer: str(d.answer),
        reason: str(d.reason),
      };
    });
    const lastQuestion = [...timeline].reverse().find((e) => e.status === 'needs_info')?.message;
    const q = request.query as Record<string, unknown>;
    const view: RequestView = {
      reference: found.reference,
      type: found.type,
      status: found.status,
      version: found.version,
      patient: personName(patient),
      submitted: when(lang, found.submitted_at),
      serviceDate: found.service_date,
      provider: found.provider,
      concept: found.concept,
      amountClaimed: found.amount_claimed,
      ibanMasked: found.iban_masked,
      category: found.category,
      prescription: found.prescription,
      prescribingDoctor: found.prescribing_doctor,
      preferredProvider: found.preferred_provider,
      amountApproved: found.amount_approved,
      amountPaid: found.amount_paid,
      paidOn: found.paid_on,
      reason: found.reason,
      authorizationNumber: found.authorization_number,
      validFrom: found.valid_from,
      validUntil: found.valid_until,
      authorizedProvider: found.authorized_provider,
      timeline,
      files: files.map((f) => ({
        id: f.id,
        name: f.name,
        role: f.role as 'invoice' | 'prescription' | 'answer' | 'letter',
        size:
          f.size >= 1024 * 1024
            ? `${(f.size / 1024 / 1024).toFixed(1)} MB`
            : `${Math.max(1, Math.round(f.size / 1024))} KB`,
      })),
      question: lastQuestion,
      notice: q.sent === '1' ? 'sent' : q.answered === '1' ? 'answered' : undefined,
      answer,
    };
    return sendPage(
      reply,
      <RequestPage ctx={request.pageContext()} view={view} acting={acting} lists={lists} />,
      outcome,
    );
  }

  app.get<{ Params: { reference: string } }>('/area/requests/:reference', async (request, reply) => {
    const { found, patient, acting } = await visibleRequest(request, request.params.reference);
    if (!found || !patient) return notFound(request, reply);
    return showRequest(request, reply, found, patient, acting);
  });

  // R31: the member answers the insurer's question with text and files; the request goes back to in_review.
  app.post<{ Params: { reference: string } }>(
    '/area/requests/:reference/answer',
    { preValidation: csrfFromMultipart },
    async (request, reply) => {
      const { session, found, patient, acting } = await visibleRequest(request, request.params.reference);
      if (!(await takeFormPost(kysely, clock, session.accountId))) return tooManyPosts(request, reply, 'answer');
      const parts = pending.get(request);
      if (!found || !patient) {
        if (parts) await readForm(parts, box, deps.uploadPacer, 'none'); // drained, nothing kept
        return notFound(request, reply);
      }
      const form: ReadForm = parts
        ? await readForm(parts, box, deps.uploadPacer)
        : { fields: new Map(), files: [], errors: [], fileProblems: [] };
      const errors: FieldError[] = [...form.errors];
      if (form.broken) errors.push({ field: 'files', code: 'too_many_files', params: { max: 5 } });
      const answer = textField(form, 'answer', MAX_LONG_TEXT, errors, { multiline: true });
      const version = Number(rawField(form, 'version'));
      const back = (list: FieldError[], problems: FileProblem[] = form.fileProblems) =>
        showRequest(
          request,
          reply,
          found,
          patient,
          acting,
          { value: rawField(form, 'answer'), errors: byField(list), fileProblems: problems, resend: true },
          refusalOf(list),
        );
      if (found.status !== 'needs_info')
        return back([
          { field: 'status', code: 'transition_forbidden', params: { from: found.status, to: 'in_review' } },
        ]);
      if (errors.length > 0) return back(errors);
      const bytes = form.files.reduce((sum, f) => sum + f.size, 0);
      const quota = await takeDailyBytes(kysely, clock, session.accountId, bytes);
      if (!quota.ok) return back(quota.errors);
      const moved = await storeFiles(form.files, () =>
        transitionRequest(kysely, clock, config.timeZone, {
          id: found.id,
          version: Number.isSafeInteger(version) ? version : -1,
          to: 'in_review',
          fields: { answer },
          actor: { kind: 'member', accountId: session.accountId },
          files: form.files,
          // R31: every status change emails those who follow the request (the reference and a link, nothing else),
          // in the change's transaction (R25): a guardian's answer for a minor reaches the other guardians too.
          afterChange: async (trx, updated) => {
            await queueStatusEmails(trx, { clock, timeZone: config.timeZone, courier: deps.courier }, updated);
          },
        }),
      ).catch(async (err: unknown) => {
        await quota.release();
        throw err;
      });
      if (!moved.ok) {
        await quota.release();
        return back(moved.errors);
      }
      await request.audit('request.answer', 'success', {
        accountId: session.accountId,
        details: { reference: found.reference, files: form.files.length },
      });
      deps.kickOutbox?.();
      return reply.redirect(`/area/requests/${found.reference}?answered=1`, 303);
    },
  );

  app.get<{ Params: { reference: string; fileId: string } }>(
    '/area/requests/:reference/files/:fileId',
    async (request, reply) => {
      const { found } = await visibleRequest(request, request.params.reference);
      if (!found) return notFound(request, reply);
      const id = /^\d{1,15}$/.test(request.params.fileId) ? Number(request.params.fileId) : undefined;
      const listed =
        id === undefined ? undefined : (await listFilesOfRequest(kysely, found.id)).find((f) => f.id === id);
      const file = listed ? await findFile(kysely, listed.id) : undefined;
      if (!file) return notFound(request, reply);
      return sendAttachment(reply, file, openFile(box, file));
    },
  );
}
