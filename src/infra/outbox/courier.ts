import type { Kysely } from 'kysely';
import type { Clock } from '../../clock.js';
import type { Brand } from '../../config.js';
import type { Database } from '../db/tables.js';
import { translator, type Lang } from '../i18n/i18n.js';
import type { EmailTemplate } from './templates/email-layout.js';

/**
 * Queues email and SMS in the transactional outbox (R25). Pass the transaction of the change that causes the
 * message: if the change rolls back, so does the message; the dispatcher sends it only once it is committed.
 */
export interface Courier {
  email<P>(db: Kysely<Database>, to: string, lang: Lang, template: EmailTemplate<P>, params: P): Promise<void>;
  sms(db: Kysely<Database>, to: string, lang: Lang, template: string, text: string): Promise<void>;
}

export function createCourier(deps: { clock: Clock; brand: Brand; publicUrl: string }): Courier {
  return {
    async email(db, to, lang, template, params) {
      const rendered = template.render({ t: translator(lang), lang, brand: deps.brand, publicUrl: deps.publicUrl }, params);
      const now = deps.clock.now().toISOString();
      await db
        .insertInto('outbox')
        .values({
          channel: 'email',
          recipient: to,
          template: template.name,
          language: lang,
          subject: rendered.subject,
          body_text: rendered.text,
          body_html: rendered.html,
          status: 'pending',
          next_attempt_at: now,
          created_at: now,
        })
        .execute();
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
          body_text: text,
          body_html: null,
          status: 'pending',
          next_attempt_at: now,
          created_at: now,
        })
        .execute();
    },
  };
}
