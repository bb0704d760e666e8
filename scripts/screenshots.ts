import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Page } from 'playwright-core';
import { buildApp } from '../src/app.js';
import { ManualClock } from '../src/clock.js';
import { freePort } from '../src/cluster.js';
import { loadConfig } from '../src/config.js';
import { nif } from '../src/feed/demo-feed.js';
import { loadDemoIfEmpty } from '../src/feed/demo.js';
import { LANGS, type Lang } from '../src/infra/i18n/i18n.js';
import { openMessage } from '../src/infra/outbox/outbox.repository.js';
import { openRuntime } from '../src/runtime.js';
import { accountFor, TEST_PASSWORD } from '../test/helpers/fixture.js';

// STYLE 22, R37: `npm run screenshots` starts the portal on a temporary SQLite database with the demo data, signs in
// as a demo member (Lucía, guardian of two minors: the member selector shows) through the real two-step pages, and
// writes a full-page PNG of every member page at each width in both languages. Pages that answer other than 200
// (a slice not merged yet) are listed and skipped, never drawn as an error page.
//
//   npm run screenshots -- [--out DIR] [--widths 360,768,1280] [--pages /area,/area/card] [--langs es,en]

const MEMBER_PAGES = [
  '/area',
  '/area/card',
  '/area/contact',
  '/area/security',
  '/area/security/password',
  '/area/security/totp',
  '/area/username',
  '/area/directory',
  '/area/requests',
  '/area/documents',
  '/area/data',
];

const { values } = parseArgs({
  options: {
    out: { type: 'string', default: join('screenshots', new Date().toISOString().replace(/[:.]/g, '-')) },
    widths: { type: 'string', default: '360,768,1280' },
    pages: { type: 'string' },
    langs: { type: 'string', default: LANGS.join(',') },
  },
});
const out = resolve(values.out);
const widths = values.widths.split(',').map(Number);
const pages = values.pages ? values.pages.split(',') : MEMBER_PAGES;
const langs = values.langs.split(',') as Lang[];

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// The demo guardian (src/feed/demo-feed.ts): any valid document registers her; the browser tests use this one.
const LUCIA = { username: nif(10000001), email: 'lucia.garcia@example.com', memberNumber: 'AS1001' };

const dir = mkdtempSync(join(tmpdir(), 'member-area-shots-'));
const port = await freePort();
const config = loadConfig({
  NODE_ENV: 'development',
  DATABASE_URL: `sqlite:${join(dir, 'portal.db')}`,
  PORT: String(port),
  HOST: '127.0.0.1',
  DEMO_DATA: 'on',
  LOG_LEVEL: 'warn',
  ...(process.env.BRAND_FILE ? { BRAND_FILE: process.env.BRAND_FILE } : {}),
});
const runtime = await openRuntime(config);
const app = await buildApp({
  config,
  db: runtime.db,
  clock: runtime.clock,
  courier: runtime.courier,
  metrics: runtime.metrics,
  logger: false,
});
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox'] });
try {
  await loadDemoIfEmpty(runtime);
  // accountFor takes the tests' clock type; the account is made now.
  await accountFor(
    { db: runtime.db, clock: new ManualClock(runtime.clock.now()) },
    { username: LUCIA.username, memberNumbers: [LUCIA.memberNumber], email: LUCIA.email },
  );
  await app.listen({ port, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${port}`;
  mkdirSync(out, { recursive: true });

  /** The two sign-in steps through the pages; the code is read from the outbox (no mail is sent anywhere). */
  async function signIn(page: Page): Promise<void> {
    await runtime.db.kysely.deleteFrom('rate_limits').execute();
    await page.goto(`${base}/sign-in`);
    await page.fill('#username', LUCIA.username);
    await page.fill('#password', TEST_PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('main form[action="/sign-in"] button[type=submit]')]);
    // A member who signed in before gets the code at the password step (issue 32); a first sign-in chooses a channel.
    if (!new URL(page.url()).searchParams.has('sent')) {
      await page.check('#channel-email');
      await Promise.all([
        page.waitForNavigation(),
        page.click('main form[action="/sign-in/verify/send"] button[type=submit]'),
      ]);
    }
    const messages = await runtime.db.kysely
      .selectFrom('outbox')
      .selectAll()
      .where('template', '=', 'signin-code')
      .orderBy('id', 'desc')
      .limit(1)
      .execute();
    const code = /\b(\d{6})\b/.exec(openMessage(config.secretBox, messages[0]!).body_text)?.[1];
    if (!code) throw new Error('no sign-in code in the outbox');
    await page.locator('input[autocomplete="one-time-code"]').pressSequentially(code);
    await Promise.all([
      page.waitForNavigation(),
      page.click('main form[action="/sign-in/verify/code"] button[type=submit]'),
    ]);
    if (new URL(page.url()).pathname !== '/area') throw new Error(`sign-in ended on ${page.url()}`);
  }

  const skipped = new Set<string>();
  let written = 0;
  for (const lang of langs) {
    const context = await browser.newContext({ locale: lang === 'es' ? 'es-ES' : 'en-GB' });
    const page = await context.newPage();
    await signIn(page);
    for (const path of pages) {
      const res = await page.goto(`${base}${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
      if (res?.status() !== 200) {
        skipped.add(`${path} (${res?.status()})`);
        continue;
      }
      const name = path.replace(/^\//, '').replace(/[^A-Za-z0-9]+/g, '-') || 'home';
      for (const width of widths) {
        await page.setViewportSize({ width, height: 800 });
        const file = join(out, `${name}.${lang}.${width}.png`);
        await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' });
        written++;
      }
    }
    await context.close();
  }
  console.log(`${written} screenshots in ${out}`);
  if (skipped.size) console.log(`not drawn (not 200): ${[...skipped].join(', ')}`);
} finally {
  await browser.close();
  await app.close();
  await runtime.close();
  rmSync(dir, { recursive: true, force: true });
}
