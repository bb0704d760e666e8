import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldError } from '../../domain/result.js';
import type { MessageKey } from '../../infra/i18n/i18n.js';
import { formText } from '../../infra/web/form.js';
import { sendPage, type ReplyOutcome } from '../../infra/web/view.js';
import { BackofficeMessage } from './backoffice-layout.js';
import { ConfirmPage } from './confirm-page.js';

// R23, R24, R35: an API key and an app that signs members in are revoked the same way: a page when the one asked
// for does not exist or is already revoked, each with the way back to the list, and a confirmation (an optional
// reason, R23) before the revocation. Each kind brings its own words and addresses.

export interface CredentialPageTexts {
  notFound: MessageKey;
  notFoundBody: MessageKey;
  alreadyRevoked: MessageKey;
  alreadyRevokedBody: MessageKey;
  back: MessageKey;
  /** The list the pages lead back to. */
  listPath: string;
}

export interface RevokeConfirmation {
  title: string;
  /** Where the confirmed form posts. */
  action: string;
  confirmLabel: string;
  /** What revoking this one does, in a sentence. */
  body: string;
}

export function credentialPages(texts: CredentialPageTexts) {
  const message = (
    request: FastifyRequest,
    reply: FastifyReply,
    title: MessageKey,
    body: MessageKey,
    status: ReplyOutcome,
  ) =>
    sendPage(
      reply,
      <BackofficeMessage
        ctx={request.pageContext()}
        staff={request.staff!}
        title={request.t(title)}
        body={request.t(body)}
        action={{ href: texts.listPath, label: request.t(texts.back) }}
      />,
      status,
    );
  return {
    notFound: (request: FastifyRequest, reply: FastifyReply) =>
      message(request, reply, texts.notFound, texts.notFoundBody, 'notFound'),
    alreadyRevoked: (request: FastifyRequest, reply: FastifyReply) =>
      message(request, reply, texts.alreadyRevoked, texts.alreadyRevokedBody, 'conflict'),
    confirmRevoke(
      request: FastifyRequest,
      reply: FastifyReply,
      page: RevokeConfirmation,
      status: ReplyOutcome = 'shown',
      reasonError?: Pick<FieldError, 'code' | 'params'>,
    ) {
      return sendPage(
        reply,
        <ConfirmPage
          ctx={request.pageContext()}
          staff={request.staff!}
          title={page.title}
          action={page.action}
          reason="optional"
          reasonValue={formText(request.body, 'reason').slice(0, 500)}
          reasonError={reasonError}
          confirmLabel={page.confirmLabel}
          cancelHref={texts.listPath}
          danger
        >
          <p>{page.body}</p>
        </ConfirmPage>,
        status,
      );
    },
  };
}
