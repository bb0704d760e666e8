import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, defaultBrand, ENV_VARIABLES, loadConfig } from './config.js';

// PRODUCT §4: defaults make `npm start` work; malformed values stop the start; production refuses insecure settings.

test('the defaults run the portal on localhost with SQLite, the development mailbox and demo data', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.publicUrl, 'http://localhost:3000');
  assert.equal(c.databaseUrl, 'sqlite:./data/member-area.db');
  assert.equal(c.devMailbox, true);
  assert.equal(c.demoData, true);
  assert.equal(c.secureCookies, false, 'R8: Secure and __Host- are dropped only for plain http on localhost');
  assert.equal(c.session.idleMinutes, 15);
  assert.equal(c.session.absoluteHours, 8);
  assert.ok(Object.isFrozen(c));
  assert.deepEqual(c.brand, defaultBrand);
  assert.equal(c.importHeapMb, 96);
});

test('PUBLIC_URL follows PORT by default, and a non-local address gets secure cookies', () => {
  assert.equal(loadConfig({ PORT: '8080' }).publicUrl, 'http://localhost:8080');
  assert.equal(loadConfig({ PUBLIC_URL: 'https://area.example.es/' }).secureCookies, true);
  assert.equal(loadConfig({ PUBLIC_URL: 'https://area.example.es/' }).publicUrl, 'https://area.example.es');
});

test('malformed values stop the start with a message naming the variable', () => {
  const cases: Record<string, string>[] = [
    { PORT: 'eighty' },
    { PORT: '70000' },
    { DATABASE_URL: 'mysql://x' },
    { SMTP_URL: 'http://mail' },
    { PUBLIC_URL: 'ftp://x' },
    { NODE_ENV: 'staging' },
    { SESSION_IDLE_MINUTES: '0' },
    { TIME_ZONE: 'Mars/Olympus' },
    { BRAND_FILE: '/nonexistent/brand.json' },
    { IMPORT_HEAP_MB: '16' },
    { IMPORT_HEAP_MB: 'lots' },
    // The drain must leave the deadline some time for requests in flight (issue 18).
    { SHUTDOWN_DRAIN_SECONDS: '30', SHUTDOWN_TIMEOUT_SECONDS: '30' },
  ];
  assert.equal(loadConfig({ SHUTDOWN_DRAIN_SECONDS: '10', SHUTDOWN_TIMEOUT_SECONDS: '30' }).shutdown.drainMs, 10_000);
  for (const env of cases) {
    const name = Object.keys(env)[0]!;
    assert.throws(
      () => loadConfig(env),
      (err: unknown) => err instanceof ConfigError && err.message.includes(name),
      name,
    );
  }
});

test('production refuses plain http, no SMTP, the development mailbox and demo data', () => {
  assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /PUBLIC_URL[\s\S]*SMTP_URL/);
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'http://area.example.es', SMTP_URL: 'smtp://mail:25' }),
    /https/,
  );
  assert.throws(
    () =>
      loadConfig({
        NODE_ENV: 'production',
        PUBLIC_URL: 'https://area.example.es',
        SMTP_URL: 'smtp://mail:25',
        DEV_MAILBOX: 'on',
      }),
    /DEV_MAILBOX/,
  );
  assert.throws(
    () => loadConfig({ NODE_ENV: 'production', PUBLIC_URL: 'https://area.example.es', SMTP_URL: 'smtp://mail:25' }),
    /SECRET_KEY/,
  );
  const ok = loadConfig({
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://area.example.es',
    SMTP_URL: 'smtps://u:p@mail:465',
    SECRET_KEY: 'k'.repeat(32),
    ENCRYPTION_KEY: 'e'.repeat(64),
  });
  assert.equal(ok.devMailbox, false);
  assert.equal(ok.demoData, false);
  assert.equal(ok.secureCookies, true);
});

test('a brand file is validated at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brand-'));
  const good = join(dir, 'good.json');
  writeFileSync(
    good,
    JSON.stringify({
      ...defaultBrand,
      name: 'Otra Aseguradora',
      colors: { ...defaultBrand.colors, primary: '#123456' },
    }),
  );
  assert.equal(loadConfig({ BRAND_FILE: good }).brand.name, 'Otra Aseguradora');
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ ...defaultBrand, colors: { ...defaultBrand.colors, primary: 'red' }, extra: 1 }));
  assert.throws(() => loadConfig({ BRAND_FILE: bad }), /colors\.primary/);
  // Issue 25 item 11: the phones become tel: links, so each must be a number (with its country code, or Spanish).
  const noPhone = join(dir, 'no-phone.json');
  writeFileSync(noPhone, JSON.stringify({ ...defaultBrand, supportPhone: 'call us on weekdays' }));
  assert.throws(() => loadConfig({ BRAND_FILE: noPhone }), /supportPhone: must be a phone number/);
  const badIntl = join(dir, 'bad-intl.json');
  const intl = { ...defaultBrand.internationalContact, phone: '+34 12' };
  writeFileSync(badIntl, JSON.stringify({ ...defaultBrand, internationalContact: intl }));
  assert.throws(() => loadConfig({ BRAND_FILE: badIntl }), /internationalContact\.phone: must be a phone number/);
  // R33: the card's emergency phone is dialled too.
  const badEmergency = join(dir, 'bad-emergency.json');
  writeFileSync(badEmergency, JSON.stringify({ ...defaultBrand, emergencyPhone: 'ring 112' }));
  assert.throws(() => loadConfig({ BRAND_FILE: badEmergency }), /emergencyPhone: must be a phone number/);
});

test('a brand whose text colours fail WCAG AA contrast is refused, naming the colour (R37)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'brand-'));
  const pale = join(dir, 'pale.json');
  writeFileSync(pale, JSON.stringify({ ...defaultBrand, colors: { ...defaultBrand.colors, primaryText: '#7fb2e5' } }));
  assert.throws(
    () => loadConfig({ BRAND_FILE: pale }),
    (err: Error) =>
      err instanceof ConfigError &&
      /BRAND_FILE colors\.primaryText #7fb2e5 and colors\.primary #0b5394 have a contrast of \d\.\d\d:1; WCAG AA/.test(
        err.message,
      ),
  );
  const yellow = join(dir, 'yellow.json');
  writeFileSync(yellow, JSON.stringify({ ...defaultBrand, colors: { ...defaultBrand.colors, primary: '#f1c232' } }));
  assert.throws(() => loadConfig({ BRAND_FILE: yellow }), /colors\.primary #f1c232 and white #ffffff/);
});

test('.env.example documents every variable the configuration reads, and parses to valid values (issue 18)', async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { parseEnv } = await import('node:util');
  const text = readFileSync(join(import.meta.dirname, '..', '..', '.env.example'), 'utf8');
  const example = parseEnv(text) as Record<string, string>;
  for (const name of ENV_VARIABLES) assert.ok(name in example, `${name} is in .env.example`);
  for (const name of Object.keys(example))
    assert.ok(ENV_VARIABLES.includes(name), `${name} in .env.example is read by the configuration`);
  assert.equal(example.MAIL_FROM, '"Salud Ejemplo" <no-reply@area.example.es>');
  // With its secrets filled in (and the demo brand), the example is a configuration production accepts.
  const filled = {
    ...example,
    SECRET_KEY: 's'.repeat(40),
    ENCRYPTION_KEY: 'e'.repeat(64),
    METRICS_TOKEN: 'm'.repeat(30),
    ENCRYPTION_KEYS_PREVIOUS: '',
    BRAND_FILE: '',
  };
  assert.doesNotThrow(() => loadConfig(filled));
});
