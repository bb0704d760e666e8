import type { ComponentChildren } from 'preact';
import { dialable } from '../../domain/phone.js';
import type { MessageKey, Params, Translate } from '../i18n/i18n.js';

// R17, R18 (issue 25 item 11): the insurer's support and international contacts are links wherever they are shown, so
// a phone dials and an address opens the mail app. Every page (and every HTML email) that names one goes through here.

/** An email address as a mailto: link. */
export const EmailLink = ({ email }: { email: string }) => <a href={`mailto:${email}`}>{email}</a>;

// Issue 32: the pages name the same few numbers (the brand's) on every request; parsing one with libphonenumber was
// 7% of a signed-in home's CPU. Kept per number written, bounded (a member's own number may be shown too).
const DIALABLE_CACHE = 200;
const dialableCache = new Map<string, string | undefined>();
function dialableOnce(phone: string): string | undefined {
  if (dialableCache.has(phone)) return dialableCache.get(phone);
  const e164 = dialable(phone);
  if (dialableCache.size >= DIALABLE_CACHE) dialableCache.delete(dialableCache.keys().next().value!);
  dialableCache.set(phone, e164);
  return e164;
}

/** A phone number as people read it, linked to tel: in E.164 (no spaces); kept on one line. */
export function PhoneLink({ phone }: { phone: string }) {
  const e164 = dialableOnce(phone);
  // The brand file's phones are checked at start (config.ts): this is only for a number that is not one.
  if (!e164) return <span class="nowrap">{phone}</span>;
  return (
    <a href={`tel:${e164}`} class="nowrap">
      {phone}
    </a>
  );
}

const MARK = '\u0000';

/**
 * A catalog text whose placeholders named in `parts` are filled with elements (links) instead of text; the other
 * placeholders come from `params` as usual. The translator marks where each part goes, so no text is searched for.
 */
export function RichText({
  t,
  k,
  params = {},
  parts,
}: {
  t: Translate;
  k: MessageKey;
  params?: Params;
  parts: Record<string, ComponentChildren>;
}) {
  const marks = Object.fromEntries(Object.keys(parts).map((name) => [name, `${MARK}${name}${MARK}`]));
  const pieces = t(k, { ...params, ...marks }).split(MARK);
  // Split on the marks, the odd pieces are part names.
  return <>{pieces.map((piece, i) => (i % 2 === 1 && Object.hasOwn(parts, piece) ? parts[piece] : piece))}</>;
}

/** A catalog text with its {{email}} and {{phone}} (when given) as mailto: and tel: links. */
export function ContactText({
  t,
  k,
  params,
  email,
  phone,
}: {
  t: Translate;
  k: MessageKey;
  params?: Params;
  email?: string | undefined;
  phone?: string | undefined;
}) {
  const parts: Record<string, ComponentChildren> = {};
  if (email !== undefined) parts.email = <EmailLink email={email} />;
  if (phone !== undefined) parts.phone = <PhoneLink phone={phone} />;
  return <RichText t={t} k={k} parts={parts} {...(params ? { params } : {})} />;
}
