import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import PDFDocument from 'pdfkit';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { todayIn, addDays } from '../../src/domain/calendar.js';
import { demoFeedCsv, nif } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { openFile } from '../../src/infra/files/files.repository.js';
import { transitionRequest } from '../../src/infra/requests/requests.repository.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { accountFor, lastCode, signedIn } from '../helpers/fixture.js';
import { databaseKinds } from '../helpers/databases.js';

// R31 in a real browser (Chromium): a reimbursement with a real PDF and a phone photo carrying GPS metadata, through
// the step-up for a new IBAN, with the upload progress shown; an authorization sent with scripts off; the insurer's
// question answered; axe finds nothing on any new page at 320 and 1280 px. With SHOTS_DIR set, every page is
// photographed at 360 and 1280 px in both languages.

const skip = chromiumSkip();
const SHOTS = process.env.SHOTS_DIR;

async function pdf(): Promise<Buffer> {
  const doc = new PDFDocument();
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  doc.fontSize(18).text('Clínica Sol · Factura 2026/118');
  doc.fontSize(12).text('Consulta de traumatología: 80,50 €');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** A phone photo of an invoice, with where it was taken in its EXIF (GPS) and the phone's make. */
const gpsJpeg = (): Promise<Buffer> =>
  sharp({ create: { width: 800, height: 600, channels: 3, background: '#f4efe6' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCo', Model: 'P9' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '3/1 42/1 0/1' },
    })
    .toBuffer();

const WIDTHS = [320, 1280] as const;

for (const kind of databaseKinds)
  describe(`requests in the browser (R31) [${kind}]`, { skip }, () => {
    let server: RunningServer;
    let browser: Browser;
    let cookies: { name: string; value: string; url: string }[];
    const problems: string[] = [];
    const who = { username: nif(10000001), email: 'lucia@example.com' };
    let today: string;

    before(async () => {
      server = await startServer({}, { kind });
      browser = await launchBrowser();
      const ctx = server.ctx;
      today = todayIn('Europe/Madrid', ctx.clock.now());
      await importFeed(
        { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: 'Europe/Madrid' },
        Readable.from([demoFeedCsv(today)]),
      );
      await accountFor(ctx, { ...who, memberNumbers: ['AS1001'] });
      const agent = await signedIn(ctx, who);
      cookies = Object.entries(agent.cookies).map(([name, value]) => ({ name, value, url: server.baseUrl }));
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    async function open(options: { javaScriptEnabled?: boolean; lang?: 'es' | 'en'; width?: number } = {}) {
      const context: BrowserContext = await browser.newContext({
        locale: options.lang === 'en' ? 'en-GB' : 'es-ES',
        viewport: { width: options.width ?? 1280, height: 900 },
        javaScriptEnabled: options.javaScriptEnabled ?? true,
      });
      await context.addCookies(cookies);
      const page = await context.newPage();
      watchPage(page, problems);
      // The manual clock does not move by itself: each page load is a minute later, well inside the session.
      server.ctx.clock.advance(1000);
      return { context, page };
    }

    async function atBothWidths(page: Page, what: string) {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await checkPage(page, `${what} at ${width} px`);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
    }

    test('a reimbursement with a PDF and a GPS-tagged photo: step-up for the new IBAN, progress shown, metadata gone', async () => {
      const { context, page } = await open();
      await page.goto(`${server.baseUrl}/area/requests`);
      assert.equal(new URL(page.url()).pathname, '/area/requests');
      await atBothWidths(page, 'request list (empty)');
      await page.click('a[href="/area/requests/new/reimbursement"]');
      await page.waitForURL('**/area/requests/new/reimbursement');
      await atBothWidths(page, 'reimbursement form');

      const invoice = await pdf();
      const photo = await gpsJpeg();
      assert.ok((await sharp(photo).metadata()).exif, 'the photo carries EXIF');
      const fill = async () => {
        await page.fill('#service_date', addDays(today, -2).split('-').reverse().join('/'));
        await page.fill('#provider', 'Clínica Sol');
        await page.fill('#amount', '80,50');
        await page.selectOption('#concept', 'consultation');
        await page.fill('#iban', 'ES91 2100 0418 4502 0005 1332');
        await page.setInputFiles('#files', [
          { name: 'factura.pdf', mimeType: 'application/pdf', buffer: invoice },
          { name: 'foto-factura.jpg', mimeType: 'image/jpeg', buffer: photo },
        ]);
      };
      await fill();
      // Slow the answer a little so the progress indicator can be seen while the files go up.
      await page.route('**/area/requests/new/reimbursement', async (route) => {
        if (route.request().method() === 'POST') await new Promise((r) => setTimeout(r, 400));
        await route.continue();
      });
      await page.click('main button[type="submit"]');
      await page.waitForSelector('.upload-progress:not([hidden])', { timeout: 5000 });
      // The form comes back asking for the code sent to her email (the new IBAN), drawn by the server.
      await page.waitForSelector('fieldset.step-up', { timeout: 10000 });
      assert.match((await page.textContent('.step-up')) ?? '', /código/);
      await atBothWidths(page, 'reimbursement form asking for the code');
      const code = await lastCode(server.ctx, who.email, 'request-stepup-code');
      await page.fill('#code', code);
      await page.setInputFiles('#files', [
        { name: 'factura.pdf', mimeType: 'application/pdf', buffer: invoice },
        { name: 'foto-factura.jpg', mimeType: 'image/jpeg', buffer: photo },
      ]);
      await Promise.all([
        page.waitForURL(/\/area\/requests\/REE-\d{4}-\d{6}/),
        page.click('main button[type="submit"]'),
      ]);
      assert.match((await page.textContent('main')) ?? '', /Hemos recibido tu solicitud/);
      assert.match((await page.textContent('main')) ?? '', /ES•• •••• •••• •••• •••• 1332/);
      await atBothWidths(page, 'request page');
      const names = await page.$$eval('.file-list a', (links) => links.map((a) => a.textContent));
      assert.deepEqual(names, ['factura.pdf', 'foto-factura.jpg']);

      // The stored photo has no EXIF at all (no GPS), and is still the picture.
      const stored = await server.ctx.db.kysely
        .selectFrom('files')
        .selectAll()
        .where('content_type', '=', 'image/jpeg')
        .executeTakeFirstOrThrow();
      const meta = await sharp(openFile(server.ctx.secretBox, stored)).metadata();
      assert.equal(meta.exif, undefined, 'no GPS or other EXIF kept');
      assert.equal(meta.width, 800);
      await context.close();
      assert.deepEqual(problems, []);
    });

    test('with scripts off, an authorization goes through the plain multipart form', async () => {
      const { context, page } = await open({ javaScriptEnabled: false });
      await page.goto(`${server.baseUrl}/area/requests/new/authorization`);
      await page.selectOption('#category', 'imaging');
      await page.fill('#prescription', 'Resonancia magnética de rodilla derecha');
      await page.fill('#prescribing_doctor', 'Dra. Núñez');
      await page.setInputFiles('#files', [{ name: 'volante.pdf', mimeType: 'application/pdf', buffer: await pdf() }]);
      await Promise.all([
        page.waitForURL(/\/area\/requests\/AUT-\d{4}-\d{6}/),
        page.click('main button[type="submit"]'),
      ]);
      assert.match((await page.textContent('main')) ?? '', /Hemos recibido tu solicitud/);
      await context.close();
      assert.deepEqual(problems, []);
    });

    test('the insurer asks for more; the page shows the question and the answer form (axe at 320 and 1280 px)', async () => {
      const ctx = server.ctx;
      const req = await ctx.db.kysely
        .selectFrom('requests')
        .selectAll()
        .where('type', '=', 'authorization')
        .executeTakeFirstOrThrow();
      const core = { kind: 'core' as const, keyName: 'test' };
      assert.ok(
        (
          await transitionRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
            id: req.id,
            version: 1,
            to: 'in_review',
            fields: {},
            actor: core,
          })
        ).ok,
      );
      assert.ok(
        (
          await transitionRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
            id: req.id,
            version: 2,
            to: 'needs_info',
            fields: { message: 'Necesitamos el informe del especialista que pide la prueba.' },
            actor: core,
          })
        ).ok,
      );
      const { context, page } = await open();
      await page.goto(`${server.baseUrl}/area/requests/new/authorization`);
      await atBothWidths(page, 'authorization form');
      await page.goto(`${server.baseUrl}/area/requests/${req.reference}`);
      await atBothWidths(page, 'request page needing information');
      await page.fill('#answer', 'Adjunto el informe.');
      await page.setInputFiles('#files', [{ name: 'informe.pdf', mimeType: 'application/pdf', buffer: await pdf() }]);
      await page.click('main button[type="submit"]');
      await page.waitForURL(/answered=1/);
      assert.match((await page.textContent('main')) ?? '', /Hemos recibido tu respuesta/);
      await page.goto(`${server.baseUrl}/area/requests`);
      await atBothWidths(page, 'request list');
      await context.close();
      assert.deepEqual(problems, []);
    });

    test(
      'screenshots of every new page (360 and 1280 px, both languages) when SHOTS_DIR is set',
      { skip: !SHOTS },
      async () => {
        mkdirSync(SHOTS!, { recursive: true });
        const ctx = server.ctx;
        const ree = await ctx.db.kysely
          .selectFrom('requests')
          .selectAll()
          .where('type', '=', 'reimbursement')
          .executeTakeFirstOrThrow();
        const aut = await ctx.db.kysely
          .selectFrom('requests')
          .selectAll()
          .where('type', '=', 'authorization')
          .executeTakeFirstOrThrow();
        // The authorization back to needs_info for its page with the answer form.
        await transitionRequest(ctx.db.kysely, ctx.clock, 'Europe/Madrid', {
          id: aut.id,
          version: aut.version,
          to: 'needs_info',
          fields: { message: 'Falta la fecha de la prescripción.' },
          actor: { kind: 'core', keyName: 'test' },
        });
        for (const lang of ['es', 'en'] as const)
          for (const width of [360, 1280]) {
            const { context, page } = await open({ lang, width });
            const shot = async (name: string) =>
              page.screenshot({ path: `${SHOTS}/${name}-${lang}-${width}.png`, fullPage: true });
            await page.goto(`${server.baseUrl}/area/requests?lang=${lang}`);
            await shot('list');
            await page.goto(`${server.baseUrl}/area/requests/new/reimbursement?lang=${lang}`);
            await shot('reimbursement-form');
            await page.fill('#amount', '1e9');
            await page.fill('#iban', 'ES00 1234');
            await page.click('main button[type="submit"]');
            await page.waitForSelector('#error-summary');
            await shot('reimbursement-errors');
            await page.goto(`${server.baseUrl}/area/requests/new/authorization?lang=${lang}`);
            await shot('authorization-form');
            await page.goto(`${server.baseUrl}/area/requests/${ree.reference}?lang=${lang}`);
            await shot('reimbursement-page');
            await page.goto(`${server.baseUrl}/area/requests/${aut.reference}?lang=${lang}`);
            await shot('authorization-needs-info');
            await context.close();
          }
      },
    );
  });
