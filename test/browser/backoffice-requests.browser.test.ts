import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { translator, type Lang } from '../../src/infra/i18n/i18n.js';
import { receiveFile } from '../../src/infra/files/upload.js';
import { createRequest, transitionRequest } from '../../src/infra/requests/requests.repository.js';
import { memberWithAccount } from '../helpers/fixture.js';
import {
  chromiumSkip,
  checkPage,
  clickAndLoad,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { createStaff } from '../helpers/staff.js';

// R31, R36 in a real browser, in Spanish at 360 px and in English at 1280 px (R20, R21): an agent opens a member's
// request from the member page, is asked for a reason (sending none is refused and shows nothing), gives one, reads
// the request and downloads its file byte for byte. axe on every page; no CSP violation; no sideways scrolling.
// With SHOTS_DIR set, each page is also photographed at 360 and 1280 px (STYLE habit 22).

const skip = chromiumSkip();
const TZ = 'Europe/Madrid';
const PDF = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
const shots = process.env.SHOTS_DIR;

describe('back office: a member’s requests in the browser (R31, R36)', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  before(async () => {
    server = await startServer();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  /** Checks the page at its width and, with SHOTS_DIR, photographs it at 360 and 1280 px. */
  async function look(page: Page, what: string, lang: Lang, width: number) {
    await checkPage(page, what);
    if (!shots) return;
    for (const w of [360, 1280]) {
      await page.setViewportSize({ width: w, height: 800 });
      await page.screenshot({ path: join(shots, `${what.replace(/\W+/g, '-')}-${lang}-${w}.png`), fullPage: true });
    }
    await page.setViewportSize({ width, height: 800 });
  }

  const cases: { lang: Lang; width: number }[] = [
    { lang: 'es', width: 360 },
    { lang: 'en', width: 1280 },
  ];
  for (const [i, { lang, width }] of cases.entries()) {
    test(`an agent opens a request with a reason and downloads its file (${lang}, ${width} px)`, async () => {
      const t = translator(lang);
      const { ctx, baseUrl } = server;
      const m = await memberWithAccount(ctx, { n: 950 + i, language: lang });
      const file = await receiveFile(
        { file: Readable.from([PDF]), filename: 'factura-fisioterapia.pdf', mimetype: 'application/pdf' },
        ctx.secretBox,
        'files',
      );
      assert.ok(file.ok);
      const { request } = await createRequest(ctx.db.kysely, ctx.clock, TZ, {
        type: 'reimbursement',
        accountId: m.accountId,
        memberId: m.memberId,
        patientMemberId: m.memberId,
        formToken: `browser-bo-request-${i}-0000000`,
        files: [file.value],
        fields: {
          service_date: '2026-11-28',
          provider: 'Fisioterapia Levante',
          concept: 'physiotherapy',
          amount_claimed: 4_500,
          iban_sealed: ctx.secretBox.seal('ES9121000418450200051332'),
          iban_masked: 'ES91 •••• •••• •••• •••• 1332',
        },
      });
      for (const [version, to, fields] of [
        [1, 'in_review', {}],
        [2, 'needs_info', { message: lang === 'es' ? 'Envíe la prescripción médica.' : 'Send the prescription.' }],
      ] as const) {
        const moved = await transitionRequest(ctx.db.kysely, ctx.clock, TZ, {
          id: request.id,
          version,
          to,
          fields,
          actor: { kind: 'core', keyName: 'core' },
        });
        assert.ok(moved.ok);
      }
      const staff = await createStaff(ctx, 'agent', { username: `agente.req.${lang}` });

      const context = await browser.newContext({
        locale: lang === 'es' ? 'es-ES' : 'en-GB',
        viewport: { width, height: 800 },
        acceptDownloads: true,
      });
      contexts.push(context);
      const page = await context.newPage();
      watchPage(page, problems);
      await page.goto(`${baseUrl}/backoffice/sign-in?lang=${lang}`);
      await page.fill('#username', staff.username);
      await page.fill('#password', staff.password);
      assert.equal(await clickAndLoad(page, 'main form button[type=submit]'), 200);
      await page.fill(
        '#code',
        await generate({ secret: staff.secret!, epoch: Math.floor(ctx.clock.now().getTime() / 1000) }),
      );
      assert.equal(await clickAndLoad(page, 'main form button[type=submit]'), 200);

      // R36: the member's record asks why first (radio buttons); then the record, with its requests.
      await page.goto(`${baseUrl}/backoffice/members/${m.memberId}`);
      await page.check('#access_reason-member_call');
      assert.equal(await clickAndLoad(page, 'main form button[type=submit]'), 200);
      assert.ok((await page.textContent('#requests'))?.includes(request.reference));
      assert.ok(!(await page.textContent('main'))?.includes('Fisioterapia'));
      await look(page, 'member page with requests', lang, width);

      await page.click(`#requests a:has-text("${request.reference}")`);
      await page.waitForLoadState('load');
      assert.match((await page.textContent('main h1')) ?? '', new RegExp(request.reference));
      await look(page, 'request reason', lang, width);
      assert.equal(await clickAndLoad(page, 'main form button[type=submit]'), 400, 'no reason: refused');
      assert.ok(!(await page.textContent('main'))?.includes('Fisioterapia'));
      await look(page, 'request reason refused', lang, width);

      await page.selectOption('#access_reason', 'member_call');
      await page.fill('#access_note', lang === 'es' ? 'Pregunta qué falta' : 'Asks what is missing');
      assert.equal(await clickAndLoad(page, 'main form button[type=submit]'), 200);
      const main = (await page.textContent('main')) ?? '';
      for (const shown of ['Fisioterapia Levante', t('bo.requests.status.needs_info'), 'factura-fisioterapia.pdf'])
        assert.ok(main.includes(shown), shown);
      await look(page, 'request page', lang, width);

      // The file's form preselects the request's reason; cleared, the download is refused and asked again.
      await page.selectOption('#access_reason', '');
      assert.equal(await clickAndLoad(page, 'main button[name="file"]'), 400);
      await look(page, 'file reason refused', lang, width);
      await page.selectOption('#access_reason', 'request_review');
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.click('main form button[type=submit]'),
      ]);
      assert.equal(download.suggestedFilename(), 'factura-fisioterapia.pdf');
      const bytes = await readFile((await download.path())!);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), createHash('sha256').update(PDF).digest('hex'));
      assert.deepEqual(problems, []);
    });
  }
});
