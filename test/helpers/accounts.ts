import assert from 'node:assert/strict';
import { hashPassword } from '../../src/infra/crypto/password-hash.js';
import { BrowserAgent } from './browser-agent.js';
import type { TestContext } from './setup.js';

export const TEST_PASSWORD = 'Primavera2030';

/** An account for existing member records (as registration would leave it), with the test password. */
export async function createAccount(
  ctx: TestContext,
  username: string,
  memberNumbers: string[],
  email: string,
  mobile: string | null = null,
): Promise<number> {
  const now = ctx.clock.now().toISOString();
  const hash = await hashPassword(TEST_PASSWORD);
  const account = await ctx.db.kysely
    .insertInto('accounts')
    .values({
      username,
      document_type: 'NIF',
      password_hash: hash,
      email,
      mobile,
      language: 'es',
      status: 'active',
      password_changed_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await ctx.db.kysely
    .insertInto('password_history')
    .values({ account_id: account.id, password_hash: hash, created_at: now })
    .execute();
  await ctx.db.kysely
    .updateTable('members')
    .set({ account_id: account.id })
    .where('member_number', 'in', memberNumbers)
    .execute();
  return account.id;
}

/** A browser signed in with both steps (password, then the emailed code read from the outbox). */
export async function signedInAgent(ctx: TestContext, username: string, email: string): Promise<BrowserAgent> {
  await ctx.db.kysely.deleteFrom('rate_limits').execute();
  const agent = new BrowserAgent(ctx.app);
  assert.equal((await agent.post('/sign-in', { username, password: TEST_PASSWORD })).statusCode, 303);
  await agent.get('/sign-in/verify');
  await agent.post('/sign-in/verify/send', { channel: 'email' });
  const mail = (await ctx.outbox()).filter((m) => m.recipient === email && m.template === 'signin-code').at(-1);
  const code = /\b(\d{6})\b/.exec(mail?.body_text ?? '')?.[1];
  assert.ok(code, 'a sign-in code was sent');
  assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
  return agent;
}
