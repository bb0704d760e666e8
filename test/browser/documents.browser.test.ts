import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { FEED_HEADER, nif, toCsvLine } from '../../src/feed/demo-feed.js';
import { importFeed } from '../../src/feed/feed.import.js';
import { createApiKey } from '../../src/identity/api-keys.js';
import type { Lang } from '../../src/infra/i18n/i18n.js';
import {
  chromiumSkip,
  checkPage,
  launchBrowser,
  startServer,
  watchPage,
  type RunningServer,
} from '../helpers/browser.js';
import { accountFor, memberFeedRow, signedIn } from '../helpers/fixture.js';
import { lynxUnavailable } from '../helpers/lynx.js';
import { makePdf, multipartBody } from '../helpers/pdf.js';

// R32 (issue 28 item 4): /area/documents as a member sees it — axe-clean at 320 and 1280 px in both languages,
// no sideways scrolling, a download that works with scripts off, and the page read by lynx. Screenshots at 360 and
// 1280 px in both languages go to SCREENSHOT_OUT (or a temporary directory) to be looked at (STYLE 22).

const skip = chromiumSkip();
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const OLGA = { username: nif(45000001), email: 'olga.docs@example.com' };

describe('the documents page in the browser (R32)', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let shotDir: string;
  const problems: string[] = [];
  const receipt = makePdf('Recibo de enero', 2);

  before(async () => {
    server = await startServer();
    const { ctx } = server;
    await importFeed(
      { db: ctx.db, clock: ctx.clock, courier: ctx.courier, timeZone: ctx.config.timeZone },
      Readable.from([
        FEED_HEADER +
          [
            memberFeedRow({
              policy_number: 'POL-DOCS1',
              product: 'Salud Plus Familia',
              member_number: 'DOC1',
              first_name: 'Olga',
              last_name: 'Ruiz Sánchez',
              document_type: 'NIF',
              document_number: OLGA.username,
              email: OLGA.email,
            }),
            memberFeedRow({
              policy_number: 'POL-DOCS2',
              product: 'Dental Esencial',
              member_number: 'DOC2',
              first_name: 'Olga',
              last_name: 'Ruiz Sánchez',
              document_type: 'NIF',
              document_number: OLGA.username,
              email: OLGA.email,
            }),
          ]
            .map(toCsvLine)
            .join(''),
      ]),
    );
    await accountFor(ctx, { ...OLGA, memberNumbers: ['DOC1', 'DOC2'] });
    const key = await createApiKey(ctx.db.kysely, ctx.clock, {
      name: 'core',
      scopes: ['documents:write'],
      createdBy: 't',
    });
    assert.ok(key.ok);
    const docs: [string, string, string, string, string, Buffer][] = [
      [
        '/members/DOC1/documents/REC-01',
        'Recibo de la prima de enero de 2026',
        'Premium receipt, January 2026',
        'receipt',
        '2026-01-05',
        await receipt,
      ],
      [
        '/members/DOC1/documents/REC-02',
        'Recibo de la prima de febrero de 2026',
        'Premium receipt, February 2026',
        'receipt',
        '2026-02-05',
        await makePdf('Recibo de febrero'),
      ],
      [
        '/policies/POL-DOCS1/documents/COND',
        'Condiciones generales y particulares de la póliza',
        'General and particular conditions of the policy',
        'conditions',
        '2025-01-01',
        await makePdf('Condiciones', 30),
      ],
      [
        '/members/DOC1/documents/TAX-2025',
        'Certificado para la declaración de la renta 2025',
        'Certificate for the 2025 income tax return',
        'tax_certificate',
        '2026-03-01',
        await makePdf('IRPF'),
      ],
      [
        '/policies/POL-DOCS2/documents/LET-1',
        'Carta de bienvenida',
        'Welcome letter',
        'letter',
        '2024-06-01',
        await makePdf('Bienvenida'),
      ],
    ];
    for (const [path, es, en, kind, date, bytes] of docs) {
      const body = multipartBody([
        { name: 'title_es', value: es },
        { name: 'title_en', value: en },
        { name: 'kind', value: kind },
        { name: 'date', value: date },
        { name: 'file', filename: 'doc.pdf', type: 'application/pdf', bytes },
      ]);
      const res: LightMyRequestResponse = await ctx.app.inject({
        method: 'PUT',
        url: `/api/v1${path}`,
        headers: { ...body.headers, authorization: `Bearer ${key.value.key}` },
        payload: body.payload,
      });
      assert.equal(res.statusCode, 201, res.body);
    }
    shotDir = process.env.SCREENSHOT_OUT ?? mkdtempSync(join(tmpdir(), 'documents-shots-'));
    mkdirSync(shotDir, { recursive: true });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    if (!process.env.SCREENSHOT_OUT && shotDir) rmSync(shotDir, { recursive: true, force: true });
  });

  async function signedInPage(lang: Lang, width: number, javaScriptEnabled = true): Promise<Page> {
    const agent = await signedIn(server.ctx, OLGA);
    const context = await browser.newContext({
      locale: lang === 'es' ? 'es-ES' : 'en-GB',
      viewport: { width, height: 800 },
      javaScriptEnabled,
      acceptDownloads: true,
    });
    await context.addCookies(
      Object.entries(agent.cookies).map(([name, value]) => ({ name, value, url: server.baseUrl })),
    );
    const page = await context.newPage();
    watchPage(page, problems);
    const res = await page.goto(`${server.baseUrl}/area/documents?lang=${lang}`);
    assert.equal(res?.status(), 200);
    return page;
  }

  for (const lang of ['es', 'en'] as const)
    for (const width of [320, 360, 1280])
      test(`${lang} at ${width} px: grouped, newest first, axe-clean, nothing scrolls sideways`, async () => {
        const page = await signedInPage(lang, width);
        const headings = await page.$$eval('main h2', (els) => els.map((e) => e.textContent));
        assert.deepEqual(
          headings,
          lang === 'es'
            ? ['Condiciones de la póliza', 'Recibos', 'Certificados fiscales', 'Cartas', 'Certificado de seguro']
            : ['Policy conditions', 'Receipts', 'Tax certificates', 'Letters', 'Certificate of insurance'],
        );
        const receipts = await page.$$eval('#kind-receipt + ul a', (els) => els.map((e) => e.textContent));
        assert.deepEqual(
          receipts,
          lang === 'es'
            ? ['Recibo de la prima de febrero de 2026', 'Recibo de la prima de enero de 2026']
            : ['Premium receipt, February 2026', 'Premium receipt, January 2026'],
        );
        // One certificate per policy.
        assert.equal(await page.locator('a[href^="/area/certificate?member="]').count(), 2);
        await checkPage(page, `documents ${lang} ${width}`);
        if (width !== 320)
          await page.screenshot({ path: join(shotDir, `documents-${lang}-${width}.png`), fullPage: true });
        assert.deepEqual(problems, []);
        await page.context().close();
      });

  test('with scripts off the download is an attachment, byte for byte', { timeout: 60_000 }, async () => {
    const page = await signedInPage('es', 360, false);
    const link = page.locator('#kind-receipt + ul a', { hasText: 'enero' });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    assert.equal(download.suggestedFilename(), 'Recibo de la prima de enero de 2026.pdf');
    const file = await download.path();
    assert.equal(sha(readFileSync(file)), sha(await receipt));
    await checkPage(page, 'no scripts', { axe: false });
    await page.context().close();
  });

  test(
    'in lynx the page reads in order, with every document and the certificates',
    { skip: lynxUnavailable() ?? false },
    async () => {
      const agent = await signedIn(server.ctx, OLGA);
      // Lynx's cookie file (Netscape format; an expiry in 2100, since 0 reads as expired) carries the session the
      // routes handed out.
      const dir = mkdtempSync(join(tmpdir(), 'lynx-docs-'));
      try {
        const host = new URL(server.baseUrl).hostname;
        const jar = join(dir, 'cookies');
        writeFileSync(
          jar,
          Object.entries(agent.cookies)
            .map(([name, value]) => [host, 'FALSE', '/', 'FALSE', '4102444800', name, value].join('\t'))
            .join('\n') + '\n',
        );
        // Asynchronously: the server answering lynx runs in this process.
        // Lynx reads a cookie file only with persistent cookies on, which only its configuration turns on.
        const cfg = join(dir, 'lynx.cfg');
        writeFileSync(cfg, `INCLUDE:/etc/lynx/lynx.cfg\nPERSISTENT_COOKIES:TRUE\nCOOKIE_FILE:${jar}\n`);
        const { stdout: dump } = await promisify(execFile)(
          'lynx',
          [
            `-cfg=${cfg}`,
            '-dump',
            '-nolist',
            '-accept_all_cookies',
            `-cookie_file=${jar}`,
            '-display_charset=UTF-8',
            `${server.baseUrl}/area/documents?lang=es`,
          ],
          { encoding: 'utf8', timeout: 30_000 },
        );
        const order = [
          'Tus documentos',
          'Condiciones de la póliza',
          'Condiciones generales y particulares de la póliza',
          'Recibos',
          'Recibo de la prima de febrero de 2026',
          'Recibo de la prima de enero de 2026',
          'Certificados fiscales',
          'Cartas',
          'Carta de bienvenida',
          'Certificado de la póliza POLDOCS1',
          'Certificado de la póliza POLDOCS2',
        ].map((text) => dump.indexOf(text));
        assert.ok(
          order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!)),
          `${order.join(',')}\n${dump}`,
        );
        assert.match(dump, /5 de enero de 2026/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
