import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { render } from 'preact-render-to-string';
import { dialable } from '../../domain/phone.js';
import { defaultBrand } from '../../config.js';
import { setup, type TestContext } from '../../../test/helpers/setup.js';
import { BrowserAgent } from '../../../test/helpers/browser-agent.js';
import { memberWithAccount } from '../../../test/helpers/fixture.js';
import { translator } from '../i18n/i18n.js';
import { ContactText, PhoneLink } from './contact-links.js';

// Issue 25 item 11 (R17, R18): the support and international contacts are mailto: and tel: links wherever shown.

test('a phone as people write it dials in E.164, without spaces', () => {
  assert.equal(dialable('+34 900 000 000'), '+34900000000');
  assert.equal(dialable('900 123 456'), '+34900123456', 'without a country code: Spanish');
  assert.equal(dialable('(+34) 910-555-123'), '+34910555123');
  assert.equal(dialable('+44 20 7946 0000'), '+442079460000');
  for (const notOne of ['call us', '+34 12', '', '900 123 456 ext. 2'])
    assert.equal(dialable(notOne), undefined, notOne);
  assert.equal(
    render(<PhoneLink phone="+34 900 000 000" />),
    '<a href="tel:+34900000000" class="nowrap">+34 900 000 000</a>',
  );
  assert.equal(render(<PhoneLink phone="call us" />), '<span class="nowrap">call us</span>', 'not a number: no link');
});

test('a catalog text keeps its words, with the contacts as links and the rest escaped', () => {
  const en = translator('en');
  assert.equal(
    render(<ContactText t={en} k="email.footer" params={{ brand: 'A & B' }} email="help@example.com" />),
    'This message is sent by A &amp; B. If you have any questions, write to us at ' +
      '<a href="mailto:help@example.com">help@example.com</a>.',
  );
  assert.equal(
    render(
      <ContactText t={translator('es')} k="help.intlContact.both" email="i@example.com" phone="+34 900 000 001" />,
    ),
    'escribe a <a href="mailto:i@example.com">i@example.com</a> o llama al ' +
      '<a href="tel:+34900000001" class="nowrap">+34 900 000 001</a>',
  );
});

describe('the pages that name a contact link it (R17, R18)', () => {
  let ctx: TestContext;
  before(async () => {
    ctx = await setup('sqlite');
  });
  after(() => ctx.close());

  const brand = defaultBrand;
  const intl = brand.internationalContact;
  const mail = (email: string) => `href="mailto:${email}"`;
  const tel = (phone: string) => `href="tel:${phone.replace(/\s/g, '')}"`;

  test('the footer of every page, error pages included', async () => {
    for (const url of ['/', '/sign-in', '/register', '/recovery', '/help', '/no-such-page']) {
      const res = await ctx.app.inject({ url });
      assert.ok(res.body.includes(`<a ${mail(brand.supportEmail)}>${brand.supportEmail}</a>`), url);
      assert.ok(res.body.includes(`<a ${tel(brand.supportPhone!)} class="nowrap">${brand.supportPhone}</a>`), url);
    }
  });

  test('help, sign-in and home name the contacts as links', async () => {
    const help = (await ctx.app.inject({ url: '/help?lang=en' })).body;
    const main = help.slice(help.indexOf('<main'), help.indexOf('</main>'));
    assert.ok(main.includes(`write to us at <a ${mail(brand.supportEmail)}>`), 'the help centre');
    assert.ok(main.includes(`call us on <a ${tel(brand.supportPhone!)}`), 'the contact topic');
    assert.ok(main.includes(`<a ${mail(intl.email)}>`) && main.includes(`<a ${tel(intl.phone!)}`), 'R17 in help');
    for (const url of ['/sign-in', '/']) {
      const body = (await ctx.app.inject({ url })).body;
      assert.ok(body.includes(`<a ${mail(intl.email)}>${intl.email}</a>`), `${url}: R17's address`);
    }
    assert.ok((await ctx.app.inject({ url: '/' })).body.includes(tel(intl.phone!)), "home: R17's phone");
    const topic = (await ctx.app.inject({ url: '/help/no-email' })).body;
    assert.ok(topic.slice(topic.indexOf('<main')).split(mail(brand.supportEmail)).length > 2, 'topic + footer');
  });

  test('an HTML email carries the support address as a mailto: link', async () => {
    const m = await memberWithAccount(ctx);
    const agent = new BrowserAgent(ctx.app);
    await agent.post('/sign-in', { username: m.username, password: m.password });
    await agent.post('/sign-in/verify/send', { channel: 'email' });
    const sent = (await ctx.outbox()).filter((x) => x.recipient === m.email).at(-1);
    assert.ok(sent?.body_html?.includes(`<a ${mail(brand.supportEmail)}>${brand.supportEmail}</a>`), sent?.template);
  });
});
