import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { ParsedMail } from 'mailparser';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { maskEmail } from '../../src/domain/email.js';
import { maskPhone } from '../../src/domain/phone.js';
import { nif } from '../../src/feed/demo-feed.js';
import { translator, type Lang, type Translate } from '../../src/infra/i18n/i18n.js';
import { smsWebhookTransport } from '../../src/infra/outbox/channels/sms-webhook.js';
import { smtpTransport } from '../../src/infra/outbox/channels/smtp.js';
import type { Transport } from '../../src/infra/outbox/channels/transport.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { startSmsReceiver, type ReceivedSms } from '../helpers/sms-receiver.js';
import { startSmtpReceiver } from '../helpers/smtp-receiver.js';
import { memberWithAccount, TEST_PASSWORD } from '../helpers/fixture.js';

// Two-step sign-in (R7, R8) in a real browser: the code travels for real, by SMTP to a test mail server and by the
// SMS gateway's webhook to a test receiver, and the test reads it there as a member reads their phone. Both
// languages (R20), 360 px and 1280 px (R21), axe on every page of the flow, the flow without scripts, the one-click
// link in the same and in another browser, and signing out.

const skip = chromiumSkip();

type Viewport = { width: number; height: number };
type Channel = 'email' | 'sms';
const PHONE: Viewport = { width: 360, height: 740 };
const DESKTOP: Viewport = { width: 1280, height: 800 };
const FIRST_NAME = 'Nora';
const HELP_PAGES = [
  { path: '/help/no-email', title: 'help.noEmail.title' },
  { path: '/help/no-sms', title: 'help.noSms.title' },
  { path: '/help/expired', title: 'help.expired.title' },
] as const;

/** A feed row for a local, active policy, as sign-in.test.ts builds them. */
interface Member {
  username: string;
  email: string;
  mobile: string;
}

describe('sign-in in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let sms: Awaited<ReturnType<typeof startSmsReceiver>>;
  let transports: { email: Transport; sms: Transport };
  let n = 0;
  const contexts: BrowserContext[] = [];
  const cspMessages: string[] = [];
  const pageErrors: string[] = [];

  /** A registered member with an email and a mobile of their own, created as sign-in.test.ts does. */
  async function member(preferredChannel: Channel | null = null): Promise<Member> {
    n++;
    const { ctx } = server;
    // A long domain with nothing to break at: the masked address must wrap, not widen the page at 360 px (R21).
    const m: Member = {
      username: nif(61_000_000 + n),
      email: `bs${n}@centromedicointernacionalbarcelona.example`,
      mobile: `+34600222${String(n).padStart(3, '0')}`,
    };
    await memberWithAccount(ctx, {
      ...m,
      language: 'es',
      preferredChannel,
      record: { first_name: FIRST_NAME, last_name: 'Vidal', date_of_birth: '1980-01-01', product: 'Salud Plus' },
    });
    // The import queued the enrolment email (R12): out of the way before the test counts sign-in mail.
    await ctx.dispatcher.drain();
    return m;
  }

  async function newPage(options: { viewport: Viewport; lang: Lang; javaScriptEnabled?: boolean }): Promise<Page> {
    const context = await browser.newContext({
      locale: options.lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: options.viewport,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    contexts.push(context);
    return watch(await context.newPage());
  }

  function watch(page: Page): Page {
    watchPage(page, cspMessages, pageErrors);
    return page;
  }

  async function visit(page: Page, path: string, status = 200): Promise<void> {
    const res = await page.goto(path.startsWith('http') ? path : server.baseUrl + path, { waitUntil: 'load' });
    assert.equal(res?.status(), status, `GET ${path}`);
  }

  /** Clicks a form's submit button and waits for the page the POST ends on (after any 303); returns its status. */
  async function submit(page: Page, action: string): Promise<number | undefined> {
    return clickAndLoad(page, `main form[action="${action}"] button[type=submit]`);
  }

  const h1 = (page: Page) => page.textContent('h1').then((s) => s?.trim());
  const path = (page: Page) => new URL(page.url()).pathname;

  const mailsTo = (to: string): ParsedMail[] =>
    smtp.messages.filter((mail) =>
      (Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : []).some((a) => a.value.some((v) => v.address === to)),
    );
  const smsTo = (to: string): ReceivedSms[] => sms.messages.filter((m) => m.to === to);

  /**
   * Delivers what the outbox holds (no waiting on a poll) and reads the newest code for the member from the test
   * SMTP server or SMS receiver; exactly one new message must have arrived since `before`.
   */
  async function deliveredCode(
    m: Member,
    channel: Channel,
    t: Translate,
    before: number,
  ): Promise<{ code: string; link?: string }> {
    const report = await server.ctx.dispatcher.drain();
    assert.equal(report.failed + report.retried, 0, 'every message was delivered');
    if (channel === 'sms') {
      const received = smsTo(m.mobile);
      assert.equal(received.length, before + 1, 'one text message arrived');
      const text = received.at(-1)!.text;
      const code = /\b(\d{6})\b/.exec(text)?.[1];
      assert.ok(code, `a code in the SMS: ${text}`);
      assert.equal(
        text,
        t('sms.signInCode', { brand: server.ctx.config.brand.name, code }),
        'the SMS is in the page’s language',
      );
      return { code };
    }
    const received = mailsTo(m.email);
    assert.equal(received.length, before + 1, 'one email arrived');
    const mail = received.at(-1)!;
    const text = mail.text ?? '';
    const code = /^(\d{6})$/m.exec(text)?.[1];
    assert.ok(code, `a code on a line of its own in the email:\n${text}`);
    assert.equal(
      mail.subject,
      t('email.signInCode.subject', { code, brand: server.ctx.config.brand.name }),
      'the email is in the page’s language',
    );
    assert.ok(mail.html, 'the email has an HTML part too');
    // The link names the configured public address; the test server listens elsewhere.
    const link = /https?:\/\/[^\s/]+(\/sign-in\/link\/[A-Za-z0-9_-]+)/.exec(text)?.[1];
    assert.ok(link, 'the one-click link in the email');
    return { code, link: server.baseUrl + link };
  }

  const sentCount = (m: Member, channel: Channel) =>
    channel === 'sms' ? smsTo(m.mobile).length : mailsTo(m.email).length;

  /** The password step and the channel choice, up to the code page; returns the code and link received. */
  async function toCodePage(page: Page, m: Member, channel: Channel, t: Translate, options: { axe?: boolean } = {}) {
    await page.fill('#username', m.username);
    await page.fill('#password', TEST_PASSWORD);
    assert.equal(await submit(page, '/sign-in'), 200);
    assert.equal(path(page), '/sign-in/verify');
    assert.equal(await h1(page), t('verify.title'));
    // The channels, masked (R7), the choice a real radio group.
    assert.equal(await page.textContent('fieldset legend'), t('verify.chooseLegend'));
    assert.equal(await page.locator('input[type=radio][name=channel]').count(), 2);
    assert.ok(!(await page.content()).includes(m.email), 'the address is masked');
    await checkPage(page, 'the channel choice', options);

    const before = sentCount(m, channel);
    await page.check(`#channel-${channel}`);
    assert.equal(await submit(page, '/sign-in/verify/send'), 200);
    assert.equal(path(page), '/sign-in/verify');
    assert.equal(await page.getAttribute('input[name=code]', 'autocomplete'), 'one-time-code');
    assert.equal(await page.getAttribute('input[name=code]', 'inputmode'), 'numeric');
    const sent =
      channel === 'email'
        ? t('verify.sentEmail', { to: maskEmail(m.email) })
        : t('verify.sentSms', { to: maskPhone(m.mobile) });
    assert.equal((await page.textContent('.alert.success'))?.trim(), sent);
    // The masked mobile (in the notice, the intro or the button to switch) is kept on one line.
    assert.ok(
      (await page.locator('main .nowrap').allTextContents()).includes(maskPhone(m.mobile)),
      'the masked mobile does not break',
    );
    return deliveredCode(m, channel, t, before);
  }

  async function typeCode(page: Page, code: string): Promise<number | undefined> {
    const field = page.locator('input[autocomplete="one-time-code"]');
    await field.fill('');
    await field.pressSequentially(code);
    return submit(page, '/sign-in/verify/code');
  }

  const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

  async function signOut(page: Page, t: Translate): Promise<void> {
    const [res] = await Promise.all([
      page.waitForNavigation({ waitUntil: 'load' }),
      page.click('header form[action="/sign-out"] button[type=submit]'),
    ]);
    assert.equal(res?.status(), 200);
    assert.equal(path(page), '/sign-in');
    assert.equal(await h1(page), t('signin.title'));
    assert.equal((await page.textContent('.alert.success [data-notice=signed_out]'))?.trim(), t('signin.signedOut'));
  }

  before(async () => {
    [smtp, sms] = await Promise.all([startSmtpReceiver(), startSmsReceiver()]);
    transports = {
      email: smtpTransport(smtp.url, 'Portal <no-reply@example.test>'),
      sms: smsWebhookTransport(sms.url),
    };
    server = await startServer({ transports });
    browser = await launchBrowser();
  });

  // Every request comes from 127.0.0.1: each test starts below the per-address limits (R9).
  beforeEach(async () => {
    await server?.ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
    await transports?.email.close?.();
    await smtp?.close();
    await sms?.close();
  });

  for (const [lang, viewport, channel] of [
    ['es', PHONE, 'email'],
    ['en', DESKTOP, 'sms'],
    ['en', PHONE, 'sms'],
    ['es', DESKTOP, 'email'],
  ] as const) {
    test(`by ${channel} in ${lang} at ${viewport.width}×${viewport.height}: a wrong code, the help pages, the area, signing out`, async () => {
      const t: Translate = translator(lang);
      const m = await member();
      const page = await newPage({ viewport, lang });

      await visit(page, `/sign-in?lang=${lang}`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await h1(page), t('signin.title'));
      assert.equal(await page.getAttribute('#username', 'autocomplete'), 'username');
      assert.equal(await page.getAttribute('#password', 'autocomplete'), 'current-password');
      await checkPage(page, 'the sign-in page');

      const { code } = await toCodePage(page, m, channel, t);
      if (lang === 'es' && viewport === PHONE && channel === 'email')
        await page.screenshot({ path: join(tmpdir(), 'signin-code-360.png'), fullPage: true });
      await checkPage(page, 'the code page');

      // One wrong code: the error tied to the field and in the summary (WCAG 3.3.1), 4 tries left.
      assert.equal(await typeCode(page, wrong(code)), 400);
      assert.equal(await h1(page), t('verify.title'));
      assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
      assert.match((await page.getAttribute('#code', 'aria-describedby')) ?? '', /\bcode-error\b/);
      assert.equal(await page.locator('#error-summary li a[href="#code"]').count(), 1);
      assert.match((await page.textContent('#code-error')) ?? '', /4/);
      if (lang === 'es' && viewport === PHONE)
        await page.screenshot({ path: join(tmpdir(), 'signin-code-wrong-360.png'), fullPage: true });
      await checkPage(page, 'the code page after a wrong code');

      // The help pages linked under the form; each one's link leads back to the same code page (the code still works).
      for (const help of HELP_PAGES) {
        const [res] = await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.click(`nav.help-links a[href="${help.path}"]`),
        ]);
        assert.equal(res?.status(), 200, help.path);
        assert.equal(await h1(page), t(help.title));
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        await checkPage(page, help.path);
        await Promise.all([
          page.waitForNavigation({ waitUntil: 'load' }),
          page.click('main a[href="/sign-in/verify"]'),
        ]);
        assert.equal(path(page), '/sign-in/verify');
        assert.equal(
          await page.locator('input[autocomplete="one-time-code"]').count(),
          1,
          `back from ${help.path} to the code`,
        );
      }

      assert.equal(await typeCode(page, code), 200);
      assert.equal(path(page), '/area');
      assert.equal(await h1(page), t('area.greeting', { name: FIRST_NAME }));
      await checkPage(page, 'the area');

      // Signing out; the area is then out of reach, by the back button and by address.
      await signOut(page, t);
      await checkPage(page, 'the sign-in page after signing out');
      await page.goBack({ waitUntil: 'load' });
      assert.equal(path(page), '/sign-in', 'back to the area after signing out: sent to sign in');
      await visit(page, '/area');
      assert.equal(path(page), '/sign-in');
      assert.equal(new URL(page.url()).searchParams.get('next'), '/area');
    });
  }

  test('without scripts, the whole sign-in by an emailed code works', async () => {
    const t = translator('es');
    const m = await member();
    const page = await newPage({ viewport: PHONE, lang: 'es', javaScriptEnabled: false });
    await visit(page, '/sign-in');
    assert.equal(await h1(page), t('signin.title'));
    await checkPage(page, 'the sign-in page without scripts', { axe: false });
    const { code } = await toCodePage(page, m, 'email', t, { axe: false });
    await checkPage(page, 'the code page without scripts', { axe: false });
    assert.equal(await typeCode(page, wrong(code)), 400);
    assert.equal(await page.getAttribute('#code', 'aria-invalid'), 'true');
    assert.equal(await typeCode(page, ` ${code} `), 200, 'spaces around a pasted code are forgiven');
    assert.equal(path(page), '/area');
    assert.equal(await h1(page), t('area.greeting', { name: FIRST_NAME }));
    await checkPage(page, 'the area without scripts', { axe: false });
    await signOut(page, t);
  });

  test('the one-click link: refused in another browser (403), signs in in the same one, then is spent (R7)', async () => {
    const t = translator('en');
    const m = await member();
    const page = await newPage({ viewport: PHONE, lang: 'en' });
    await visit(page, '/sign-in?lang=en');
    const { link } = await toCodePage(page, m, 'email', t, { axe: false });
    assert.ok(link);

    // Another browser (a fresh profile: no sign-in cookie) — e.g. the phone's mail app opening its own browser.
    const other = await newPage({ viewport: PHONE, lang: 'en' });
    await visit(other, link, 403);
    assert.equal(await h1(other), t('verify.otherBrowser.title'));
    await checkPage(other, 'the “same browser” page');

    // Its help page, with no sign-in under way in that browser, leads to the sign-in page.
    await visit(other, '/help/expired');
    await Promise.all([other.waitForNavigation({ waitUntil: 'load' }), other.click('main a[href="/sign-in/verify"]')]);
    assert.equal(path(other), '/sign-in');
    assert.equal(await h1(other), t('signin.title'));

    // The link was not spent by the refusal: in the browser that started, it completes the sign-in.
    await visit(page, link);
    assert.equal(path(page), '/area');
    assert.equal(await h1(page), t('area.greeting', { name: FIRST_NAME }));

    // Single use.
    const again = await newPage({ viewport: DESKTOP, lang: 'en' });
    await visit(again, link, 410);
    assert.equal(await h1(again), t('help.expired.title'));
    await checkPage(again, 'the spent-link page');
  });

  for (const [lang, viewport, javaScriptEnabled] of [
    ['es', PHONE, true],
    ['en', DESKTOP, true],
    ['es', PHONE, false],
  ] as const) {
    test(`issue 32: a preferred channel's code comes with the password; switching to the other, ${lang} at ${viewport.width} px${javaScriptEnabled ? '' : ', no scripts'}`, async () => {
      const t = translator(lang);
      const m = await member('sms');
      const page = await newPage({ viewport, lang, javaScriptEnabled });
      await visit(page, `/sign-in?lang=${lang}`);
      const smsBefore = sentCount(m, 'sms');
      await page.fill('#username', m.username);
      await page.fill('#password', TEST_PASSWORD);
      assert.equal(await submit(page, '/sign-in'), 200);
      // Straight to the code page: no channel page, the code on its way to the preferred channel.
      assert.equal(path(page), '/sign-in/verify');
      assert.equal(await page.locator('input[type=radio][name=channel]').count(), 0);
      assert.equal(await page.getAttribute('input[name=code]', 'autocomplete'), 'one-time-code');
      assert.equal(
        (await page.textContent('.alert.success'))?.trim(),
        t('verify.sentSms', { to: maskPhone(m.mobile) }),
      );
      const shots = join(tmpdir(), 'shots-r5-speed');
      mkdirSync(shots, { recursive: true });
      await page.screenshot({
        path: join(shots, `signin-preferred-${lang}-${viewport.width}${javaScriptEnabled ? '' : '-noscript'}.png`),
        fullPage: true,
      });
      await checkPage(page, 'the code page after the password', { axe: javaScriptEnabled });
      const sent = await deliveredCode(m, 'sms', t, smsBefore);
      assert.ok(sent.code);

      // The other channel, at once (the 30 seconds are between sends to one channel).
      const emailBefore = sentCount(m, 'email');
      const switchTo = page.locator('main form[action="/sign-in/verify/send"]', {
        has: page.locator('input[name=channel][value=email]'),
      });
      assert.equal(
        (await switchTo.locator('button').textContent())?.trim(),
        t('verify.switchEmail', { to: maskEmail(m.email) }),
      );
      const [res] = await Promise.all([
        page.waitForNavigation({ waitUntil: 'load' }),
        switchTo.locator('button').click(),
      ]);
      assert.equal(res?.status(), 200);
      assert.equal(
        (await page.textContent('.alert.success'))?.trim(),
        t('verify.sentEmail', { to: maskEmail(m.email) }),
      );
      const { code } = await deliveredCode(m, 'email', t, emailBefore);
      assert.equal(await typeCode(page, code), 200);
      assert.equal(path(page), '/area');
      assert.equal(await h1(page), t('area.greeting', { name: FIRST_NAME }));
    });
  }

  // Runs last: it judges every page the tests above opened.
  test('the browser console shows no CSP violation and no uncaught error', () => {
    assert.deepEqual(cspMessages, [], `CSP violations:\n${cspMessages.join('\n')}`);
    assert.deepEqual(pageErrors, [], `uncaught errors:\n${pageErrors.join('\n')}`);
  });
});
