import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/tables.js';

// R28: the account's recent sign-ins and failed attempts, read from the audit (R22) rather than kept twice.

/** How many entries the security page lists. */
export const SIGN_IN_HISTORY_SIZE = 20;

export type HistoryFactor = 'password' | 'email' | 'emailLink' | 'sms' | 'totp' | 'passkey' | 'other';
export type HistoryOutcome =
  'success' | 'wrongPassword' | 'wrongCode' | 'expiredCode' | 'refused' | 'disabled' | 'locked' | 'failure';

export interface HistoryEntry {
  id: number;
  at: string;
  ip: string | null;
  userAgent: string | null;
  factor: HistoryFactor;
  outcome: HistoryOutcome;
}

interface AuditRow {
  id: number;
  occurred_at: string;
  event: string;
  outcome: 'success' | 'failure' | 'refused' | 'info';
  ip: string | null;
  user_agent: string | null;
  details: string | null;
}

const detailsOf = (row: AuditRow): Record<string, unknown> => {
  try {
    const parsed: unknown = row.details ? JSON.parse(row.details) : {};
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

function factorOf(channel: unknown, via?: unknown): HistoryFactor {
  if (channel === 'email') return via === 'link' ? 'emailLink' : 'email';
  if (channel === 'sms' || channel === 'totp' || channel === 'passkey') return channel;
  return 'other';
}

/** One audit event as a history entry, or undefined for events that are no sign-in or attempt. */
export function toHistoryEntry(row: AuditRow): HistoryEntry | undefined {
  const d = detailsOf(row);
  const base = { id: row.id, at: row.occurred_at, ip: row.ip, userAgent: row.user_agent };
  const refusal = (reason: unknown): HistoryOutcome => (reason === 'disabled' ? 'disabled' : 'refused');
  if (row.event === 'signin.success') return { ...base, factor: factorOf(d.factor, d.via), outcome: 'success' };
  if (row.event === 'signin.password') {
    if (row.outcome === 'failure') return { ...base, factor: 'password', outcome: 'wrongPassword' };
    if (row.outcome === 'refused') return { ...base, factor: 'password', outcome: refusal(d.reason) };
    return undefined; // the first step passed: the sign-in shows once it is complete (or its code fails)
  }
  if (row.event === 'signin.code') {
    if (row.outcome === 'refused') return { ...base, factor: factorOf(d.factor), outcome: refusal(d.reason) };
    return { ...base, factor: factorOf(d.factor), outcome: d.reason === 'expired' ? 'expiredCode' : 'wrongCode' };
  }
  if (row.event === 'signin.locked')
    return { ...base, factor: d.step === 'code' ? 'other' : 'password', outcome: 'locked' };
  if (row.event.startsWith('signin.passkey')) {
    return {
      ...base,
      factor: 'passkey',
      outcome: row.outcome === 'success' ? 'success' : row.outcome === 'refused' ? refusal(d.reason) : 'failure',
    };
  }
  return undefined;
}

/** The last sign-ins and sign-in attempts of an account, newest first (R28). */
export async function signInHistory(
  db: Kysely<Database>,
  account: { id: number; username: string },
  limit = SIGN_IN_HISTORY_SIZE,
): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['id', 'occurred_at', 'event', 'outcome', 'ip', 'user_agent', 'details'])
    // A refusal during a pause names the account only by its username (the password step records it so).
    .where((eb) =>
      eb.or([
        eb('account_id', '=', account.id),
        eb.and([eb('account_id', 'is', null), eb('actor', '=', account.username)]),
      ]),
    )
    .where((eb) =>
      eb.or([
        eb('event', 'in', ['signin.success', 'signin.code', 'signin.locked']),
        eb.and([eb('event', '=', 'signin.password'), eb('outcome', '!=', 'success')]),
        eb('event', 'like', 'signin.passkey%'),
      ]),
    )
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map(toHistoryEntry).filter((e): e is HistoryEntry => e !== undefined);
}
