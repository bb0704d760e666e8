import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { createStaffUser, type NewStaff } from '../../src/flows/backoffice/staff-users.flow.js';
import type { StaffRole } from '../../src/flows/backoffice/staff.repository.js';
import { BrowserAgent } from './browser-agent.js';
import type { TestContext } from './setup.js';

// Back-office test helpers (R23). Staff users are made the way the product makes them (createStaffUser: a
// generated password, hashed with argon2id) and signed in through the real pages: password, then a real TOTP code
// computed from the secret at the test clock's time. Nothing is inserted behind the sign-in's back.

export interface TestStaff {
  id: number;
  username: string;
  role: StaffRole;
  password: string;
  /** The authenticator secret, or null for a user who has not enrolled an app yet. */
  secret: string | null;
}

let counter = 0;

/**
 * A staff user of `role`, with an enrolled authenticator app unless `enrolled: false` (then the first sign-in
 * goes through enrolment, as for a user an administrator created). Made the CLI's way (a generated password), then,
 * unless `mustChange`, marked as having chosen it: most tests are about what staff do once they have their own
 * password; the change itself is tested through the pages (staff-password.test.ts).
 */
export async function createStaff(
  ctx: TestContext,
  role: StaffRole,
  options: { username?: string; enrolled?: boolean; displayName?: string; mustChange?: boolean } = {},
): Promise<TestStaff> {
  counter++;
  const username = options.username ?? `${role}.${process.pid}.${counter}`;
  const staff: NewStaff = {
    username,
    displayName: options.displayName ?? `Test ${role} ${counter}`,
    email: `${username}@staff.example`,
    role,
  };
  const result = await createStaffUser(
    { db: ctx.db.kysely, clock: ctx.clock, audit: {}, issuer: ctx.config.brand.name, box: ctx.config.secretBox },
    staff,
    { actor: 'test', withTotp: options.enrolled ?? true },
  );
  assert.equal(result.kind, 'created', `staff user ${username} created`);
  if (result.kind !== 'created') throw new Error('unreachable');
  const secret = result.totpUri ? new URL(result.totpUri).searchParams.get('secret') : null;
  if (!options.mustChange)
    await ctx.db.kysely
      .updateTable('staff_users')
      .set({ password_must_change: 0 })
      .where('id', '=', result.user.id)
      .execute();
  return { id: result.user.id, username, role, password: result.password!, secret };
}

/** The authenticator app's current code for a secret, at the test clock's time. */
export function totpCode(ctx: TestContext, secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(ctx.clock.now().getTime() / 1000) });
}

/**
 * Signs `staff` in through /backoffice/sign-in and the TOTP step, in a new browser, and returns that browser.
 * A code is single use: to sign the same person in twice, move the test clock 30 seconds between the two.
 */
export async function signInStaff(ctx: TestContext, staff: TestStaff): Promise<BrowserAgent> {
  assert.ok(staff.secret, 'signInStaff needs an enrolled user; enrolment is tested through the pages');
  const agent = new BrowserAgent(ctx.app);
  await agent.get('/backoffice/sign-in');
  const first = await agent.post('/backoffice/sign-in', { username: staff.username, password: staff.password });
  assert.equal(
    first.headers.location,
    '/backoffice/sign-in/verify',
    `password step for ${staff.username}: ${first.statusCode}`,
  );
  const second = await agent.post('/backoffice/sign-in/verify', { code: await totpCode(ctx, staff.secret) });
  assert.equal(second.headers.location, '/backoffice', `TOTP step for ${staff.username}: ${second.statusCode}`);
  return agent;
}

/** A new staff user of `role`, signed in: the browser and the user. */
export async function signedInStaff(
  ctx: TestContext,
  role: StaffRole,
): Promise<{ agent: BrowserAgent; staff: TestStaff }> {
  const staff = await createStaff(ctx, role);
  return { agent: await signInStaff(ctx, staff), staff };
}

/** The link in the last "choose your password" email to `email`, as the person reads it (issue 15). */
export async function lastPasswordLink(ctx: TestContext, email: string): Promise<string> {
  const mail = (await ctx.outbox()).filter((m) => m.recipient === email && m.template === 'staff-password-link').at(-1);
  const link = /http:\/\/localhost:3000(\/backoffice\/password\/set\/[A-Za-z0-9_-]+)/.exec(mail?.body_text ?? '')?.[1];
  assert.ok(link, `a password link was emailed to ${email}`);
  return link;
}

/** Follows the emailed link in a fresh browser and chooses `password`, as the owner does. */
export async function setPasswordFromLink(ctx: TestContext, email: string, password: string): Promise<void> {
  const browser = new BrowserAgent(ctx.app);
  const opened = await browser.get(await lastPasswordLink(ctx, email));
  assert.equal(opened.headers.location, '/backoffice/password/set', 'the token leaves the address bar');
  await browser.get('/backoffice/password/set');
  const done = await browser.post('/backoffice/password/set', { password, password_confirmation: password });
  assert.equal(done.statusCode, 200, done.body.match(/field-error[^<]*<[^<]*/g)?.join(' '));
}

/**
 * R36: gives a reason for opening member `memberId` in this staff browser (the back office asks before any page of
 * the record); the reason then holds for that member in that session for a while.
 */
export async function giveReason(
  agent: BrowserAgent,
  memberId: number,
  reason: { access_reason: string; access_note?: string } = { access_reason: 'member_call' },
): Promise<void> {
  const res = await agent.post(`/backoffice/members/${memberId}/access`, reason);
  assert.equal(res.statusCode, 303, `reason for member ${memberId}: ${res.statusCode}`);
}
