import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ConfigError, defaultBrand, type Brand } from '../src/config.js';
import { memberWithAccount, TEST_PASSWORD } from './helpers/fixture.js';
import { BrowserAgent } from './helpers/browser-agent.js';
import { describeEachDatabase } from './helpers/databases.js';
import { setup, testConfig, type TestContext } from './helpers/setup.js';

// Issue 10: the portal is white-label. A second brand, loaded from BRAND_FILE, must show on every page and in every
// email, with nothing of the default brand left (R17's international contact included).

const BRAND_FILE = new URL('../../test/fixtures/brand-aurora.json', import.meta.url).pathname;
const aurora = JSON.parse(readFileSync(BRAND_FILE, 'utf8')) as Brand;
const DEFAULT_MARKS = [
  defaultBrand.name,
  defaultBrand.supportEmail,
  defaultBrand.internationalContact.email,
  'salud-ejemplo',
  defaultBrand.colors.primary,
];

function assertAurora(text: string, where: string, options: { supportEmail?: boolean } = {}): void {
  assert.ok(text.includes(aurora.name), `${where} names ${aurora.name}`);
  if (options.supportEmail ?? true)
    assert.ok(text.includes(aurora.supportEmail), `${where} gives ${aurora.supportEmail}`);
  for (const mark of DEFAULT_MARKS)
    assert.ok(!text.toLowerCase().includes(mark.toLowerCase()), `${where} shows the default brand's ${mark}`);
}

describeEachDatabase('a second brand', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup(kind, { env: { BRAND_FILE } });
  });
  after(() => ctx.close());

  test('every page carries its name, logo, colours, support and international contacts', async () => {
    const visitor = new BrowserAgent(ctx.app);
    const css = await visitor.get('/assets/brand.css');
    assert.match(css.body, new RegExp(`--brand-primary:${aurora.colors.primary}`));
    assert.match(css.body, new RegExp(`--brand-accent:${aurora.colors.accent}`));
    assert.ok(!css.body.includes(defaultBrand.colors.primary));

    const home = await visitor.get('/');
    assertAurora(home.body, 'home');
    assert.ok(home.body.includes(aurora.productName.es));
    assert.ok(home.body.includes(`src="${aurora.logoUrl}"`), 'the logo');
    assert.ok(
      home.body.includes(aurora.internationalContact.email) && home.body.includes(aurora.internationalContact.phone!),
      'R17 contact',
    );
    assert.ok(home.body.includes(`href="${aurora.internationalContact.url}"`));
    assert.match(
      String(home.headers['content-security-policy']),
      /img-src 'self' data: https:\/\/cdn\.aurora-mutua\.example/,
      'the logo origin, and only it, is allowed',
    );
    assert.ok((await visitor.get('/?lang=en')).body.includes(aurora.productName.en));

    for (const path of ['/sign-in', '/register', '/help/no-email', '/help/expired', '/no-such-page']) {
      const page = await visitor.get(path);
      assertAurora(page.body, path);
    }
    assert.equal(visitor.last.statusCode, 404, 'the error page is branded too');

    // The private area, reached with a real two-step sign-in whose code email is branded.
    const member = await memberWithAccount(ctx, { n: 1, language: 'es' });
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: member.username, password: TEST_PASSWORD });
    await agent.get('/sign-in/verify');
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    const codeMail = (await ctx.outbox()).find((m) => m.template === 'signin-code')!;
    const code = /\b(\d{6})\b/.exec(codeMail.body_text)![1]!;
    assert.equal((await agent.post('/sign-in/verify/code', { code })).headers.location, '/area');
    for (const path of ['/area', '/area/contact', '/area/security']) assertAurora((await agent.get(path)).body, path);

    // Emails: the enrolment (R19) and the sign-in code, subject, text and HTML (with the brand's colours).
    const enrolment = (await ctx.outbox()).find((m) => m.template === 'enrolment')!;
    assert.ok(enrolment, 'the feed import queued an enrolment email');
    for (const mail of [enrolment, codeMail]) {
      assertAurora(`${mail.subject}\n${mail.body_text}`, `${mail.template} email text`);
      assertAurora(mail.body_html!, `${mail.template} email HTML`);
      assert.ok(mail.body_html!.includes(`background:${aurora.colors.primary}`), `${mail.template}: the brand colour`);
      assert.ok(mail.body_html!.includes(aurora.logoUrl!), `${mail.template}: the logo`);
    }
    assert.ok(codeMail.subject!.includes(aurora.name));
    assert.match(ctx.config.mailFrom, /^"Mutua Aurora"/);
  });
});

test('a bad brand file stops the start with a message naming the field', () => {
  const intlUrl = /BRAND_FILE internationalContact\.url: must be an https:\/\/ address/;
  const dir = mkdtempSync(join(tmpdir(), 'brand-'));
  const cases: [object | string, RegExp][] = [
    [{ ...aurora, colors: { ...aurora.colors, primary: 'purple' } }, /BRAND_FILE colors\.primary/],
    [{ ...aurora, supportEmail: 'not-an-email' }, /BRAND_FILE supportEmail/],
    [{ ...aurora, internationalContact: undefined }, /BRAND_FILE internationalContact/],
    [{ ...aurora, logoUrl: 'javascript:alert(1)' }, /BRAND_FILE logoUrl/],
    // Issue 25: every link of the brand file is https:// (or mailto: where it is one); anything else names its field.
    [{ ...aurora, internationalContact: { ...aurora.internationalContact, url: 'javascript:alert(1)' } }, intlUrl],
    [{ ...aurora, internationalContact: { ...aurora.internationalContact, url: 'http://aurora.example/' } }, intlUrl],
    [{ ...aurora, internationalContact: { ...aurora.internationalContact, url: 'data:text/html,<b>' } }, intlUrl],
    [{ ...aurora, internationalContact: { ...aurora.internationalContact, url: 'https:evil' } }, intlUrl],
    [{ ...aurora, legal: { ...aurora.legal, privacy: { url: 'javascript:alert(1)' } } }, /BRAND_FILE legal\.privacy/],
    [
      { ...aurora, legal: { ...aurora.legal, cookies: { url: 'http://aurora.example/c' } } },
      /BRAND_FILE legal\.cookies/,
    ],
    [{ ...aurora, securityContact: 'javascript:alert(1)' }, /BRAND_FILE securityContact/],
    [{ ...aurora, securityContact: 'https://' }, /BRAND_FILE securityContact/],
    [{ ...aurora, logoUrl: 'data:text/html,<script>alert(1)</script>' }, /BRAND_FILE logoUrl/],
    [{ ...aurora, logoUrl: '/\\evil.example/logo.svg' }, /BRAND_FILE logoUrl/],
    [{ ...aurora, logoUrl: '//evil.example/logo.svg' }, /BRAND_FILE logoUrl/],
    [{ ...aurora, logoUrl: 'http://cdn.aurora.example/logo.svg' }, /BRAND_FILE logoUrl/],
    [{ ...aurora, slogan: 'extra' }, /BRAND_FILE : Unrecognized key.*slogan|slogan/],
    ['{ not json', /BRAND_FILE: cannot read/],
  ];
  for (const [content, message] of cases) {
    const file = join(dir, 'brand.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    assert.throws(
      () => testConfig({ BRAND_FILE: file }),
      (err: unknown) => err instanceof ConfigError && message.test(err.message),
      String(message),
    );
  }
  assert.throws(() => testConfig({ BRAND_FILE: join(dir, 'missing.json') }), /BRAND_FILE: cannot read/);
  // What stays allowed: a path on the portal, an https:// logo, an image data URI, a mailto: security contact.
  for (const brand of [
    { ...aurora, logoUrl: '/assets/logo.svg', securityContact: 'mailto:security@aurora.example' },
    { ...aurora, logoUrl: 'data:image/png;base64,iVBORw0KGgo=' },
    { ...aurora, logoUrl: 'data:image/svg+xml,%3Csvg%20xmlns%3D%22http%3A%2F%2Fwww.w3.org%2F2000%2Fsvg%22%2F%3E' },
  ]) {
    const file = join(dir, 'brand.json');
    writeFileSync(file, JSON.stringify(brand));
    assert.equal(testConfig({ BRAND_FILE: file }).brand.logoUrl, brand.logoUrl);
  }
});
