import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator, type Lang, type Translate } from '../../src/infra/i18n/i18n.js';
import { devMailboxTransport } from '../../src/infra/outbox/channels/dev-mailbox.js';
import { smtpTransport } from '../../src/infra/outbox/channels/smtp.js';
import { chromiumSkip, checkPage, clickAndLoad, launchBrowser, watchPage } from '../helpers/browser.js';
import { memberWithAccount, type TestMember } from '../helpers/fixture.js';
import { setup, type TestContext } from '../helpers/setup.js';
import { startSmtpReceiver } from '../helpers/smtp-receiver.js';

// Password recovery (R11) in a real browser, in both languages (R20), at 360 px and 1280 px (R21): the document and
// the real ALTCHA widget solved under the portal's CSP (R10), send, the link read from a real SMTP server, the token
// leaving the address bar, a weak then a good password (R4), the done page, signing in with the new password, and the
// used link refused with the offer of a new one. axe finds nothing on any page of it.

const skip = chromiumSkip();

type Viewport = { width: number; height: number };
const PHONE: Viewport = { width: 360, height: 740 };
const DESKTOP: Viewport = { width: 1280, height: 800 };
const OLD_PASSWORD = 'Primavera2030';
const NEW_PASSWORD = 'Otono2031Nuevo';
const WEAK_PASSWORD = 'corto';

describe('password recovery in the browser', { skip }, () => {
  let ctx: TestContext;
  let baseUrl: string;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const cspMessages: string[] = [];
  const pageErrors: string[] = [];

  async function newPage(viewport: Viewport, lang: Lang): Promise<Page> {
    const context = await browser.newContext({ locale: lang === 'es' ? 'es-ES' : 'en-GB', viewport });
    contexts.push(context);
    const page = await context.newPage();
    watchPage(page, cspMessages, pageErrors);
    return page;
  }

  /** Clicks a form's submit button and waits for the page the POST ends on (after any 303); returns its status. */
  async function submit(page: Page, action: string): Promise<number | undefined> {
    return clickAndLoad(page, `form[action="${action}"] button[type=submit]`);
  }

  const h1 = (page: Page) => page.textContent('h1').then((s) => s?.trim());
  const path = (page: Page) => new URL(page.url()).pathname;

  /** The mails the SMTP server received for one address since `from`. */
  const mailsTo = (email: string, from = 0): ParsedMail[] =>
    smtp.messages
      .slice(from)
      .filter((m) =>
        (Array.isArray(m.to) ? m.to : m.to ? [m.to] : []).some((a) => a.value.some((v) => v.address === email)),
      );

  before(async () => {
    smtp = await startSmtpReceiver();
    ctx = await setup('sqlite', {
      transports: { email: smtpTransport(smtp.url, 'Portal <no-reply@example.test>'), sms: devMailboxTransport },
    });
    baseUrl = await ctx.app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser();
  });

  // Every request comes from 127.0.0.1: each test starts with the per-address send limit untouched (R11).
  beforeEach(async () => {
    await ctx?.db.kysely.deleteFrom('rate_limits').execute();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await ctx?.close();
    await smtp?.close();
  });

  let n = 0;
  for (const [lang, viewport] of [
    ['es', PHONE],
    ['en', DESKTOP],
  ] as const) {
    test(`the whole recovery in ${lang} at ${viewport.width}×${viewport.height}: captcha, the emailed link, a weak then a good password, sign in`, async () => {
      const t: Translate = translator(lang);
      const m: TestMember = await memberWithAccount(ctx, {
        n: ++n,
        password: OLD_PASSWORD,
        language: lang,
        email: `recovery-${lang}@example.com`,
      });
      await ctx.dispatcher.drain(); // the feed's enrolment email, out of the way
      const page = await newPage(viewport, lang);
      const cspBefore = cspMessages.length;
      const errorsBefore = pageErrors.length;

      // Screen 1: the document and the captcha.
      const start = await page.goto(`${baseUrl}/recovery?lang=${lang}`, { waitUntil: 'load' });
      assert.equal(start?.status(), 200);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await h1(page), t('recovery.title'));
      const widget = page.locator('altcha-widget');
      const checkbox = widget.locator('input[type=checkbox]');
      await checkbox.waitFor({ state: 'visible' });
      await checkPage(page, 'the recovery form');

      // Typed in lower case, as people do; the server normalises it.
      await page.locator('#username').pressSequentially(m.username.toLowerCase());
      if (viewport === PHONE) {
        // A tap. As in registration.browser.test.ts: the widget's check-mark <svg> covers the box's centre, so the
        // click is forced (a person's tap there works).
        await checkbox.click({ force: true });
      } else {
        // The keyboard (WCAG 2.1.1): Tab from the document reaches the check, and Space starts it.
        await page.keyboard.press('Tab');
        assert.equal(
          await widget.locator('input[type=checkbox]:focus').count(),
          1,
          'Tab moves from the document to the captcha',
        );
        await page.keyboard.press('Space');
      }
      // Selectors rather than waitForFunction, whose string predicate is eval, which the page's CSP refuses.
      await widget.locator('.altcha[data-state=verified]').waitFor({ timeout: 20_000 });
      assert.ok(
        (await widget.locator('input[type=hidden][name=altcha]').inputValue()).length > 0,
        'the widget filled in its solution',
      );
      await checkPage(page, 'the recovery form with the captcha solved');

      // Screen 2: send.
      assert.equal(await submit(page, '/recovery'), 200);
      assert.equal(path(page), '/recovery/send');
      assert.equal(await h1(page), t('recovery.title'));
      await checkPage(page, 'the send page');
      const mailsBefore = smtp.messages.length;
      assert.equal(await submit(page, '/recovery/send'), 200);
      assert.equal(path(page), '/recovery/sent');
      assert.equal(await h1(page), t('recovery.sentTitle'));
      assert.ok((await page.textContent('.alert.success'))?.includes(t('recovery.sent')));
      await checkPage(page, 'the check-your-email page');

      // The email, through the outbox and real SMTP, in the member's language.
      await ctx.dispatcher.drain();
      const mails = mailsTo(m.email, mailsBefore);
      assert.equal(mails.length, 1, 'one recovery email');
      const mail = mails[0]!;
      assert.equal(mail.subject, t('email.recovery.subject', { brand: ctx.config.brand.name }));
      assert.equal(mail.from?.value[0]?.address, 'no-reply@example.test');
      const sent = /https?:\/\/\S+?\/recovery\/reset\/([A-Za-z0-9_-]+)/.exec(mail.text ?? '');
      assert.ok(sent, `a recovery link in the email:\n${mail.text}`);
      assert.ok(sent[0].startsWith(ctx.config.publicUrl), 'the link points at the portal’s public address');
      const token = sent[1]!;
      // The public address is not where this test server listens: open the same path here.
      const link = `${baseUrl}/recovery/reset/${token}`;

      // The link: the token leaves the address bar before the form (R11).
      const opened = await page.goto(link, { waitUntil: 'load' });
      assert.equal(opened?.status(), 200);
      assert.equal(opened?.request().redirectedFrom()?.url(), link, 'a redirect from the emailed link');
      assert.equal(path(page), '/recovery/reset');
      assert.ok(!page.url().includes(token), 'the token is gone from the address bar');
      assert.equal(await h1(page), t('recovery.resetTitle'));
      assert.equal(await page.inputValue('#username'), m.username, 'the username, for password managers');
      assert.ok(!(await page.content()).includes(token), 'the token is not in the page either');
      await checkPage(page, 'the new-password form');

      // A weak password: refused, the summary, the field marked, the server's verdict per rule (R4).
      await page.locator('#password').pressSequentially(WEAK_PASSWORD);
      await page.locator('#password_confirmation').pressSequentially(WEAK_PASSWORD);
      assert.equal(await submit(page, '/recovery/reset'), 400);
      assert.equal(path(page), '/recovery/reset');
      assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
      assert.equal(await page.locator('#error-summary').count(), 1);
      assert.equal(await page.locator('#error-summary li a[href="#password"]').count(), 1);
      for (const [rule, state] of [
        ['length', 'unmet'],
        ['digit', 'unmet'],
        ['upper', 'unmet'],
        ['lower', 'met'],
      ] as const) {
        assert.equal(await page.getAttribute(`#password-rules li[data-rule=${rule}]`, 'class'), state, `rule ${rule}`);
      }
      assert.match(
        (await page.textContent('#password-rules li[data-rule=digit]'))!,
        new RegExp(`\\(${t('password.unmet')}\\)`),
        'the state in words',
      );
      await checkPage(page, 'the new-password form with the checklist errors');

      // A good one.
      await page.locator('#password').pressSequentially(NEW_PASSWORD);
      for (const rule of ['length', 'charset', 'digit', 'upper', 'lower']) {
        assert.equal(
          await page.getAttribute(`#password-rules li[data-rule=${rule}]`, 'class'),
          'met',
          `rule ${rule} as typed`,
        );
      }
      await page.locator('#password_confirmation').pressSequentially(NEW_PASSWORD);
      await checkPage(page, 'the new-password form with the rules met');
      assert.equal(await submit(page, '/recovery/reset'), 200);
      assert.equal(path(page), '/recovery/done');
      assert.equal(await h1(page), t('recovery.doneTitle'));
      assert.ok((await page.textContent('.alert.success'))?.includes(t('recovery.done')));
      await checkPage(page, 'the done page');

      // The member hears of the change, by email too.
      const changedBefore = smtp.messages.length;
      await ctx.dispatcher.drain();
      assert.deepEqual(
        mailsTo(m.email, changedBefore).map((x) => x.subject),
        [t('email.passwordChanged.subject', { brand: ctx.config.brand.name })],
      );

      // The same link again: refused, with the offer of a new one (single use).
      const again = await page.goto(link, { waitUntil: 'load' });
      assert.equal(again?.status(), 410);
      assert.equal(await h1(page), t('recovery.invalidTitle'));
      assert.equal((await page.textContent('a.button[href="/recovery"]'))?.trim(), t('recovery.again'));
      await checkPage(page, 'the invalid-link page');

      // Sign in with the new password: the password step passes on to the second factor.
      assert.equal((await page.goto(`${baseUrl}/sign-in`, { waitUntil: 'load' }))?.status(), 200);
      await checkPage(page, 'the sign-in page');
      await page.fill('#username', m.username);
      await page.fill('#password', NEW_PASSWORD);
      assert.equal(await submit(page, '/sign-in'), 200);
      assert.equal(path(page), '/sign-in/verify', 'the new password is accepted');

      assert.deepEqual(cspMessages.slice(cspBefore), [], 'no CSP violation');
      assert.deepEqual(pageErrors.slice(errorsBefore), [], 'no uncaught error');
    });
  }
});
