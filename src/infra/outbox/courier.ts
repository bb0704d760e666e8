import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Brand } from '../../config.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { Database } from '../db/tables.js';
import { translator, type Lang } from '../i18n/i18n.js';
import type { EmailTemplate } from './templates/email-layout.js';

/**
 * Queues email and SMS in the transactional outbox (R25). Pass the transaction of the change that causes the
 * message: if the change rolls back, so does the message; the dispatcher sends it only once it is committed.
 */
export interface Courier {
  email<P>(db: Kysely<Database>, to: string, lang: Lang, template: EmailTemplate<P>, params: P): Promise<void>;
  /** Many emails of one template, queued many rows to a statement (an import's enrolment emails, R19). */
  emails<P>(
    db: Kysely<Database>,
    template: EmailTemplate<P>,
    messages: readonly { to: string; lang: Lang; params: P }[],
  ): Promise<void>;
  sms(db: Kysely<Database>, to: string, lang: Lang, template: string, text: string): Promise<void>;
}

/**
 * R29: a message waits in the outbox sealed (subject and bodies, under the configured key: a sign-in code is in the
 * subject) and is blanked once sent, so a copy of the database yields no code or link.
 */
/** Outbox rows per multi-row insert: 10 columns a row stays well under both databases' bound-parameter limits. */
const ROWS_PER_INSERT = 500;

export function createCourier(deps: {
  clock: Clock;
  brand: Brand;
  publicUrl: string;
  box: SecretBox;
  /** The transport attaches the brand's logo as a PNG (R37), so the emails' header names it. */
  logo?: boolean;
}): Courier {
  const row = <P>(template: EmailTemplate<P>, to: string, lang: Lang, params: P, now: string) => {
    const rendered = template.render(
      { t: translator(lang), lang, brand: deps.brand, publicUrl: deps.publicUrl, logo: deps.logo ?? false },
      params,
    );
    return {
      channel: 'email' as const,
      recipient: to,
      template: template.name,
      language: lang,
      subject: deps.box.seal(rendered.subject),
      body_text: deps.box.seal(rendered.text),
      body_html: deps.box.seal(rendered.html),
      status: 'pending' as const,
      lane: template.waitedFor ? 0 : 1,
      next_attempt_at: now,
      created_at: now,
    };
  };
  return {
    async email(db, to, lang, template, params) {
      await db
        .insertInto('outbox')
        .values(row(template, to, lang, params, deps.clock.now().toISOString()))
        .execute();
    },
    async emails(db, template, messages) {
      const now = deps.clock.now().toISOString();
      for (let start = 0; start < messages.length; start += ROWS_PER_INSERT) {
        const chunk = messages.slice(start, start + ROWS_PER_INSERT);
        await db
          .insertInto('outbox')
          .values(chunk.map((m) => row(template, m.to, m.lang, m.params, now)))
          .execute();
      }
    },
    async sms(db, to, lang, template, text) {
      const now = deps.clock.now().toISOString();
      await db
        .insertInto('outbox')
        .values({
          channel: 'sms',
          recipient: to,
          template,
          language: lang,
          subject: null,
          body_text: deps.box.seal(text),
          body_html: null,
          status: 'pending',
          // Every SMS is a code someone is waiting for.
          lane: 0,
          next_attempt_at: now,
          created_at: now,
        })
        .execute();
    },
  };
}
