import { join } from 'node:path';
import { tmpdir } from 'node:os';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { todayIn } from '../../src/domain/calendar.js';
import { demoFeedCsv, demoFeedRows, FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { type RawFeedRow } from '../../src/feed/feed-row.js';
import { memberFeedRow } from '../helpers/fixture.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { catalogs, translator, type Lang, type Translate } from '../../src/infra/i18n/i18n.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';

// Registration (R1–R6, R10) in a real browser: the three steps and the refusals in both languages (R20), from a
// 360 px phone to a desktop (R21), WCAG 2.1 AA as far as axe can tell on every page of the flow, the flow without
// scripts (progressive enhancement; the captcha aside), and the ALTCHA widget solving under the portal's CSP.

const skip = chromiumSkip();

type Viewport = { width: number; height: number };
const PHONE: Viewport = { width: 360, height: 740 };
const DESKTOP: Viewport = { width: 1280, height: 800 };
const LANGS = ['es', 'en'] as const satisfies readonly Lang[];
const GOOD_PASSWORD = 'Verano2031x';
const TIME_ZONE = 'Europe/Madrid';

/** A feed row for a local, active policy, as registration.test.ts builds them. */
const row = (partial: Partial<RawFeedRow>): RawFeedRow =>
  memberFeedRow({
    first_name: 'Eva',
    last_name: 'Gil',
    date_of_birth: '',
    address_line: 'Calle Mayor 1',
    postal_code: '28013',
    city: 'Madrid',
    email: 'eva@example.com',
    ...partial,
  });

/** One eligible member per run that completes step 1: each account can only be created once. */
interface Person {
  /** As typed on step 1: lower case, with a hyphen (the record has "BR-1"). */
  memberNumber: string;
  /** dd/mm/yyyy, as typed on step 1. */
  birthDate: string;
  policyNumber: string;
  email: string;
  nifDigits: number;
}
const person = (n: number, birth: [string, string, string], nifDigits: number): Person => ({
  memberNumber: `br-${n}`,
  birthDate: `${birth[2]}/${birth[1]}/${birth[0]}`,
  policyNumber: 'pb-100',
  email: `browser${n}@example.com`,
  nifDigits,
});
const PEOPLE = {
  es: person(1, ['1980', '01', '15'], 71_111_111),
  en: person(2, ['1981', '02', '16'], 72_222_222),
  noScript: person(3, ['1982', '03', '17'], 73_333_333),
  captcha: person(4, ['1983', '04', '18'], 74_444_444),
  verdict: person(5, ['1984', '05', '19'], 75_555_555),
};
const feedRowOf = (p: Person): RawFeedRow => {
  const [d, m, y] = p.birthDate.split('/');
  return row({
    policy_number: 'PB-100',
    member_number: p.memberNumber.toUpperCase(),
    date_of_birth: `${y}-${m}-${d}`,
    email: p.email,
  });
};

/** The refusals (R2): a demo-feed member each, typed as the feed spells them (AS-1003 is normalised to AS1003). */
const REFUSALS = [
  {
    reason: 'minor',
    memberNumber: 'AS-1003',
    title: 'register.minor.title',
    body: 'register.minor.body',
    contact: 'support',
  },
  {
    reason: 'international',
    memberNumber: 'IN-5001',
    title: 'register.intl.title',
    body: 'register.intl.body',
    contact: 'international',
  },
  {
    reason: 'cancelled',
    memberNumber: 'AS-7001',
    title: 'register.cancelled.title',
    body: 'register.cancelled.body',
    contact: 'support',
  },
] as const;

describe('registration in the browser', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let today: string;
  const contexts: BrowserContext[] = [];
  const cspMessages: string[] = [];
  const pageErrors: string[] = [];

  async function newPage(options: { viewport: Viewport; lang: Lang; javaScriptEnabled?: boolean }): Promise<Page> {
    const context = await browser.newContext({
      locale: options.lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: options.viewport,
      javaScriptEnabled: options.javaScriptEnabled ?? true,
    });
    contexts.push(context);
    const page = await context.newPage();
    watchPage(page, cspMessages, pageErrors);
    return page;
  }

  async function visit(page: Page, path: string): Promise<void> {
    const res = await page.goto(server.baseUrl + path, { waitUntil: 'load' });
    assert.equal(res?.status(), 200, `GET ${path}`);
  }

  /** Clicks a form's submit button and waits for the page the POST ends on (after any 303); returns its status. */
  async function submit(page: Page, action: string): Promise<number | undefined> {
    return clickAndLoad(page, `form[action="${action}"] button[type=submit]`);
  }

  const h1 = (page: Page) => page.textContent('h1').then((s) => s?.trim());

  async function fillStep1(
    page: Page,
    values: { memberNumber: string; birthDate: string; policyNumber: string },
  ): Promise<void> {
    // Typed key by key, as a person would (fill() would also do, but this exercises inputmode/maxlength).
    for (const [selector, value] of [
      ['#member_number', values.memberNumber],
      ['#birth_date', values.birthDate],
      ['#policy_number', values.policyNumber],
    ] as const) {
      await page.fill(selector, '');
      await page.locator(selector).pressSequentially(value);
    }
  }

  async function accountFor(p: Person) {
    return server.ctx.db.kysely
      .selectFrom('accounts')
      .selectAll()
      .where('username', '=', nif(p.nifDigits))
      .executeTakeFirst();
  }

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
    const { ctx } = server;
    today = todayIn(TIME_ZONE, ctx.clock.now());
    const deps = { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: TIME_ZONE };
    await importFeed(deps, Readable.from([demoFeedCsv(today)]));
    await importFeed(deps, Readable.from([FEED_HEADER + Object.values(PEOPLE).map(feedRowOf).map(toCsvLine).join('')]));
  });

  // Every request comes from 127.0.0.1: each test starts below the captcha threshold (R6) unless it means not to.
  beforeEach(async () => {
    await server?.ctx.db.kysely.deleteFrom('rate_limits').execute();
  });

  after(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await server?.close();
  });

  for (const [lang, viewport] of [
    ['es', PHONE],
    ['en', DESKTOP],
  ] as const) {
    test(`the happy path in ${lang} at ${viewport.width}×${viewport.height}, with a mismatch, field errors and a weak password on the way`, async () => {
      const t: Translate = translator(lang);
      const p = PEOPLE[lang];
      const page = await newPage({ viewport, lang });

      // Step 1.
      await visit(page, `/register?lang=${lang}`);
      assert.equal(await page.getAttribute('html', 'lang'), lang);
      assert.equal(await h1(page), t('register.title'));
      assert.equal(await page.locator('altcha-widget').count(), 0, 'no captcha before any failure');
      await checkPage(page, 'step 1');

      // A wrong date: the one generic mismatch message (R1), the values kept.
      await fillStep1(page, { ...p, birthDate: '01/01/1901' });
      assert.equal(await submit(page, '/register'), 400);
      assert.equal(await page.textContent('.alert.error h2'), t('register.mismatchTitle'));
      assert.ok((await page.textContent('.alert.error'))?.includes(t('register.mismatch')), 'the mismatch message');
      assert.equal(await page.inputValue('#member_number'), p.memberNumber);
      await checkPage(page, 'step 1 with a mismatch');

      await fillStep1(page, p);
      assert.equal(await submit(page, '/register'), 200);
      assert.equal(new URL(page.url()).pathname, '/register/details');

      // Step 2: prefilled from the record (R3).
      assert.equal(await h1(page), t('register.detailsTitle'));
      assert.equal(await page.inputValue('#email'), p.email);
      assert.equal(await page.inputValue('#address_line'), 'Calle Mayor 1');
      assert.equal(await page.getAttribute('li[aria-current=step]', 'class'), 'current');
      await checkPage(page, 'step 2');

      // Field errors: a NIF whose letter is wrong and an email without @.
      const wrongLetter = nif(p.nifDigits).endsWith('A') ? 'B' : 'A';
      await page.selectOption('#document_type', 'NIF');
      await page.fill('#document_number', `${p.nifDigits}${wrongLetter}`);
      await page.fill('#email', 'sin-arroba');
      assert.equal(await submit(page, '/register/details'), 400);
      assert.equal(await page.getAttribute('#document_number', 'aria-invalid'), 'true');
      assert.equal(await page.getAttribute('#email', 'aria-invalid'), 'true');
      assert.equal(await page.textContent('#document_number-error'), t('field.nif_letter'));
      assert.equal(await page.textContent('#email-error'), t('field.email_invalid'));
      assert.equal(await page.locator('#error-summary li a').count(), 2);
      assert.equal(await page.inputValue('#document_type'), 'NIF', 'the choice is kept');
      await checkPage(page, 'step 2 with field errors');

      // Forgiving input: the NIF in lower case with a hyphen.
      await page.fill('#email', p.email);
      await page.fill('#document_number', `${p.nifDigits}-${nif(p.nifDigits).slice(-1).toLowerCase()}`);
      assert.equal(await submit(page, '/register/details'), 200);
      assert.equal(new URL(page.url()).pathname, '/register/password');

      // Step 3: the username for password managers, and the checklist as the person types (R4).
      assert.equal(await h1(page), t('register.passwordTitle'));
      assert.equal(await page.inputValue('#username'), nif(p.nifDigits));
      await checkPage(page, 'step 3');
      const digit = page.locator('#password-rules li[data-rule=digit]');
      const lower = page.locator('#password-rules li[data-rule=lower]');
      await page.locator('#password').pressSequentially('corto');
      assert.equal(await digit.getAttribute('class'), 'unmet');
      assert.equal(await lower.getAttribute('class'), 'met');
      assert.match(
        (await digit.textContent())!,
        new RegExp(`\\(${t('password.unmet')}\\)`),
        'the state is in words for screen readers',
      );
      await page.locator('#password_confirmation').pressSequentially('corto');

      // A weak password: refused, the summary and the server's verdict per rule.
      assert.equal(await submit(page, '/register/password'), 400);
      assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
      assert.ok((await page.locator('#error-summary').count()) === 1);
      if (viewport === PHONE) await page.screenshot({ path: join(tmpdir(), 'reg-step3-weak-360.png'), fullPage: true });
      await checkPage(page, 'step 3 with the checklist errors');

      await page.locator('#password').pressSequentially(GOOD_PASSWORD);
      for (const rule of ['length', 'charset', 'digit', 'upper', 'lower']) {
        assert.equal(await page.getAttribute(`#password-rules li[data-rule=${rule}]`, 'class'), 'met', `rule ${rule}`);
      }
      assert.match((await digit.textContent())!, new RegExp(`\\(${t('password.met')}\\)`));
      await page.locator('#password_confirmation').pressSequentially(GOOD_PASSWORD);
      if (viewport === PHONE) await page.screenshot({ path: join(tmpdir(), 'reg-step3-360.png'), fullPage: true });
      await checkPage(page, 'step 3 with the rules met');

      // Done (R5).
      assert.equal(await submit(page, '/register/password'), 200);
      assert.equal(new URL(page.url()).pathname, '/register/done');
      assert.equal(await h1(page), t('register.done.title'));
      assert.equal(
        (await page.textContent('.alert.success'))?.includes(t('register.done.email', { email: p.email })),
        true,
      );
      await checkPage(page, 'the success page');

      const account = await accountFor(p);
      assert.ok(account, 'the account exists');
      assert.equal(account.email, p.email);
      const member = await server.ctx.db.kysely
        .selectFrom('members')
        .select('account_id')
        .where('member_number', '=', `BR${p.memberNumber.slice(3)}`)
        .executeTakeFirstOrThrow();
      assert.equal(member.account_id, account.id);
    });
  }

  for (const refusal of REFUSALS) {
    for (const lang of LANGS) {
      test(`the ${refusal.reason} refusal in ${lang}, at 360 px and 1280 px`, async () => {
        const t: Translate = translator(lang);
        const { brand } = server.ctx.config;
        const record = demoFeedRows(today).find((r) => r.member_number === refusal.memberNumber)!;
        const [y, m, d] = record.date_of_birth.split('-');
        const page = await newPage({ viewport: PHONE, lang });
        await visit(page, `/register?lang=${lang}`);
        await fillStep1(page, {
          memberNumber: refusal.memberNumber.toLowerCase(),
          birthDate: `${d}/${m}/${y}`,
          policyNumber: record.policy_number,
        });
        assert.equal(await submit(page, '/register'), 200);
        assert.equal(await page.getAttribute('html', 'lang'), lang);
        assert.equal(await h1(page), t(refusal.title));
        const email = refusal.contact === 'international' ? brand.internationalContact.email : brand.supportEmail;
        assert.equal(
          (await page.textContent(`p.lead[data-reason=${refusal.reason}]`))?.trim(),
          t(refusal.body, { email }),
        );
        // Issue 25 item 11 (R17, R18): the contacts are links, the phone's in E.164 without spaces.
        const contact =
          refusal.contact === 'international'
            ? brand.internationalContact
            : { email: brand.supportEmail, phone: brand.supportPhone };
        if (catalogs[lang][refusal.body].includes('{{email}}'))
          assert.equal(
            await page.getAttribute(`p.lead[data-reason=${refusal.reason}] a`, 'href'),
            `mailto:${contact.email}`,
          );
        const dial = (phone: string) => `tel:${phone.replace(/[\s()-]/g, '')}`;
        assert.equal((await page.textContent(`main a[href="${dial(contact.phone!)}"]`))?.trim(), contact.phone);
        assert.equal(await page.textContent(`footer a[href="mailto:${brand.supportEmail}"]`), brand.supportEmail);
        assert.equal(await page.textContent(`footer a[href="${dial(brand.supportPhone!)}"]`), brand.supportPhone);
        await checkPage(page, `${refusal.reason} at 360 px`);
        await page.setViewportSize(DESKTOP);
        await checkPage(page, `${refusal.reason} at 1280 px`);
      });
    }
  }

  test('without scripts the whole flow works, and the checklist shows the server’s verdict after a weak submit', async () => {
    const t: Translate = translator('es');
    const p = PEOPLE.noScript;
    const page = await newPage({ viewport: PHONE, lang: 'es', javaScriptEnabled: false });
    await visit(page, '/register');
    await fillStep1(page, p);
    assert.equal(await submit(page, '/register'), 200);
    assert.equal(new URL(page.url()).pathname, '/register/details');
    assert.equal(await page.inputValue('#email'), p.email);
    await page.selectOption('#document_type', 'NIF');
    await page.fill('#document_number', nif(p.nifDigits));
    assert.equal(await submit(page, '/register/details'), 200);
    assert.equal(new URL(page.url()).pathname, '/register/password');

    // No script: typing changes nothing, the checklist is neutral until the server judges a submit.
    await page.fill('#password', 'corto');
    assert.equal(await page.getAttribute('#password-rules li[data-rule=digit]', 'class'), '');
    await page.fill('#password_confirmation', 'corto');
    assert.equal(await submit(page, '/register/password'), 400);
    assert.equal(await page.getAttribute('#password-rules li[data-rule=length]', 'class'), 'unmet');
    assert.equal(await page.getAttribute('#password-rules li[data-rule=digit]', 'class'), 'unmet');
    assert.equal(await page.getAttribute('#password-rules li[data-rule=lower]', 'class'), 'met');
    assert.match(
      (await page.textContent('#password-rules li[data-rule=digit]'))!,
      new RegExp(`\\(${t('password.unmet')}\\)`),
    );
    assert.equal(await page.locator('#error-summary').count(), 1);
    await checkPage(page, 'step 3 without scripts', { axe: false });

    await page.fill('#password', GOOD_PASSWORD);
    await page.fill('#password_confirmation', GOOD_PASSWORD);
    assert.equal(await submit(page, '/register/password'), 200);
    assert.equal(new URL(page.url()).pathname, '/register/done');
    assert.equal(await h1(page), t('register.done.title'));
    assert.ok(await accountFor(p), 'the account exists');
  });

  // With scripts on, the checklist script must leave the server's ✓/✗ alone while the (emptied) field is untouched.
  test('with scripts, the server’s verdict on a weak password survives the page load (R4)', async () => {
    const p = PEOPLE.verdict;
    const page = await newPage({ viewport: PHONE, lang: 'es' });
    await visit(page, '/register');
    await fillStep1(page, p);
    assert.equal(await submit(page, '/register'), 200);
    await page.selectOption('#document_type', 'NIF');
    await page.fill('#document_number', nif(p.nifDigits));
    assert.equal(await submit(page, '/register/details'), 200);
    await page.fill('#password', 'corto');
    await page.fill('#password_confirmation', 'corto');
    assert.equal(await submit(page, '/register/password'), 400);
    assert.equal(await page.getAttribute('#password-rules li[data-rule=length]', 'class'), 'unmet');
    assert.equal(await page.getAttribute('#password-rules li[data-rule=digit]', 'class'), 'unmet');
    assert.equal(await page.getAttribute('#password-rules li[data-rule=lower]', 'class'), 'met');
  });

  test('after 3 mismatches the ALTCHA widget appears, solves under the CSP, and lets the right data through (R6, R10)', async () => {
    const t: Translate = translator('es');
    const p = PEOPLE.captcha;
    const page = await newPage({ viewport: PHONE, lang: 'es' });
    const cspBefore = cspMessages.length;
    await visit(page, '/register');
    for (let i = 0; i < 3; i++) {
      await fillStep1(page, { ...p, birthDate: '01/01/1901' });
      assert.equal(await submit(page, '/register'), 400, `mismatch ${i + 1}`);
    }
    const widget = page.locator('altcha-widget');
    assert.equal(await widget.count(), 1, 'the third failure shows the captcha');
    const checkbox = widget.locator('input[type=checkbox]');
    await checkbox.waitFor({ state: 'visible' });
    await checkPage(page, 'step 1 with the captcha');

    // Even the right data is refused without the check.
    await fillStep1(page, p);
    assert.equal(await submit(page, '/register'), 400);
    assert.equal(await page.textContent('#altcha-error'), t('field.captcha_missing'));
    await checkPage(page, 'step 1 with the captcha error');

    // The widget's check-mark <svg> (opacity 0) sits over the box's centre, so Playwright's hit-target check refuses
    // the click; a person's click there works (the widget handles it), and so does this one at the same point.
    await checkbox.click({ force: true });
    // (Selectors, not waitForFunction: a string predicate is eval, which the page's CSP rightly refuses.)
    await widget.locator('.altcha[data-state=verified]').waitFor({ timeout: 20_000 });
    assert.ok(
      (await widget.locator('input[type=hidden][name=altcha]').inputValue()).length > 0,
      'the widget filled in its solution',
    );
    await fillStep1(page, p);
    assert.equal(await submit(page, '/register'), 200);
    assert.equal(new URL(page.url()).pathname, '/register/details');
    assert.deepEqual(cspMessages.slice(cspBefore), [], 'no CSP violation while the widget works');
  });

  // Runs last: it judges every page the tests above opened.
  test('the browser console shows no CSP violation and no uncaught error', () => {
    assert.deepEqual(cspMessages, [], `CSP violations:\n${cspMessages.join('\n')}`);
    assert.deepEqual(pageErrors, [], `uncaught errors:\n${pageErrors.join('\n')}`);
  });
});
