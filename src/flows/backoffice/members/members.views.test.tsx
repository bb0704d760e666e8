import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import { LANGS, translator } from '../../../infra/i18n/i18n.js';
import type { MemberDetails } from './member-details.repository.js';
import type { SearchPage } from './member-search.repository.js';
import {
  ContactCorrectionForm,
  ContactCorrectionReview,
  MemberPage,
  MemberSearch,
  SimpleActionForm,
  UsernameChangeForm,
  UsernameChangeReview,
  type SimpleAction,
} from './members.views.js';

// R20, R21, R23: the back-office member views in both languages: no untranslated key, every field labelled, errors
// summarised and tied to their field, tables with headers, every POST form with its CSRF token, values escaped.

const CSRF = 'csrf-token-123';
const policy = {
  number: 'P1',
  status: 'active' as const,
  scheme: 'local' as const,
  product: 'Salud',
  startDate: '2025-01-01',
  endDate: null,
};
const record = {
  id: 5,
  memberNumber: 'M5',
  role: 'holder' as const,
  firstName: 'Ana <script>alert(1)</script>',
  lastName: 'Muñoz',
  dateOfBirth: '1980-01-01',
  documentType: 'NIE' as const,
  documentNumber: 'X1234567L',
  email: 'ana@example.com',
  mobile: null,
  language: 'es' as const,
  accountId: 9,
  policy,
};
const details: MemberDetails = {
  member: record,
  records: [
    record,
    {
      ...record,
      id: 6,
      memberNumber: 'M6',
      policy: { ...policy, number: 'P2', status: 'cancelled', scheme: 'international', endDate: '2026-01-01' },
    },
  ],
  account: {
    id: 9,
    username: 'X1234567L',
    documentType: 'NIE',
    status: 'active',
    closedAt: null,
    lockedUntil: '2026-11-27T10:15:00.000Z',
    email: 'ana@example.com',
    emailVerifiedAt: '2026-01-01T00:00:00.000Z',
    mobile: '+34600111222',
    mobileVerifiedAt: null,
    preferredChannel: 'sms',
    totpEnabled: false,
    language: 'es',
    address: { line: 'Calle Mayor 1', postalCode: '28013', city: 'Madrid', province: null, country: 'ES' },
    createdAt: '2026-01-01T00:00:00.000Z',
    passwordChangedAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  },
  signIns: [
    {
      sessionId: 1,
      at: '2026-11-27T09:00:00.000Z',
      secondFactor: 'email',
      ip: '10.0.0.1',
      userAgent: 'Firefox',
      lastSeenAt: '2026-11-27T09:00:00.000Z',
      active: true,
      endedAt: null,
    },
  ],
  guardians: [],
  wards: [
    {
      viaMemberNumber: 'M5',
      memberId: 7,
      memberNumber: 'M7',
      firstName: 'Nico',
      lastName: 'Muñoz',
      dateOfBirth: '2016-01-01',
      registered: false,
    },
  ],
};
const audit = {
  entries: [
    {
      id: 3,
      occurredAt: '2026-11-27T09:00:00.000Z',
      event: 'signin.password',
      outcome: 'success' as const,
      actor: 'X1234567L',
      subject: null,
      ip: '10.0.0.1',
      userAgent: 'Firefox',
      details: { reason: 'x' },
    },
  ],
  nextBefore: 3,
};
const search: SearchPage = {
  query: { text: 'muñoz', words: ['munoz'] },
  page: 2,
  pageSize: 20,
  hasMore: true,
  truncated: false,
  hits: [
    {
      memberId: 5,
      memberNumber: 'M5',
      firstName: 'Ana',
      lastName: 'Muñoz',
      dateOfBirth: '1980-01-01',
      role: 'holder',
      documentType: 'NIE',
      documentNumber: 'X1234567L',
      email: 'ana@example.com',
      policyNumber: 'P1',
      policyStatus: 'active',
      scheme: 'local',
      account: null,
    },
  ],
};

function pages(lang: (typeof LANGS)[number]): Record<string, VNode> {
  const t = translator(lang);
  const p = { t, lang, csrfToken: CSRF, details };
  const simple = Object.fromEntries(
    (['enrolment', 'unlock', 'sessions', 'disable', 'enable'] as SimpleAction[]).map((a) => [
      a,
      <SimpleActionForm {...p} action={a} errors={[{ field: 'member', code: 'already_registered' }]} />,
    ]),
  );
  return {
    searchEmpty: <MemberSearch t={t} />,
    searchErrors: <MemberSearch t={t} q="!!!" errors={[{ field: 'q', code: 'search_unusable' }]} />,
    searchResults: <MemberSearch t={t} q="muñoz" result={search} />,
    searchNone: <MemberSearch t={t} q="zzz" result={{ ...search, page: 1, hasMore: false, hits: [] }} />,
    searchTruncated: <MemberSearch t={t} q="ma" result={{ ...search, truncated: true }} />,
    member: <MemberPage {...p} audit={audit} throttle={{ locked: true, failures: 10 }} done="username" olderAudit />,
    username: (
      <UsernameChangeForm
        {...p}
        values={{ document_type: 'NIF', document_number: '123', reason: '', expected_username: 'X1234567L' }}
        errors={[
          { field: 'document_number', code: 'nif_format' },
          { field: 'reason', code: 'required' },
          { field: 'form', code: 'conflict' },
        ]}
      />
    ),
    contact: <ContactCorrectionForm {...p} errors={[{ field: 'email', code: 'email_invalid' }]} />,
    usernameReview: (
      <UsernameChangeReview
        {...p}
        plan={{
          accountId: 9,
          from: 'X1234567L',
          fromType: 'NIE',
          to: '12345678Z',
          toType: 'NIF',
          joiningRecordIds: [],
        }}
        reason="New NIF"
      />
    ),
    contactReview: (
      <ContactCorrectionReview
        {...p}
        plan={{ email: 'new@example.com', mobile: null, address: null }}
        values={{
          email: 'new@example.com',
          mobile: '',
          address_line: '',
          postal_code: '',
          city: '',
          province: '',
          reason: 'asked',
        }}
      />
    ),
    ...simple,
  };
}

for (const lang of LANGS) {
  test(`every back-office member view renders in ${lang} with no missing message`, () => {
    for (const [name, page] of Object.entries(pages(lang))) {
      const html = render(page);
      assert.doesNotMatch(html, /\b(bo\.members|field|email\.bo)\.[a-zA-Z_]+/, `${name}: a raw message key`);
      assert.ok(!html.includes('<script>'), `${name}: values are escaped`);
      // Every input, select and textarea a person fills has a label (R21).
      for (const [, id] of html.matchAll(/<(?:input|select|textarea)[^>]*\sid="([^"]+)"/g))
        assert.ok(html.includes(`for="${id}"`), `${name}: #${id} has a label`);
      // Every POST form carries the CSRF token.
      const posts = html.match(/<form method="post"/g)?.length ?? 0;
      const tokens = html.match(new RegExp(`name="_csrf" value="${CSRF}"`, 'g'))?.length ?? 0;
      assert.equal(tokens, posts, `${name}: CSRF in every POST form`);
    }
  });
}

test('the search results: a captioned table with headers, the member linked, previous and next pages', () => {
  const html = render(pages('en').searchResults!);
  assert.match(html, /<caption[^>]*>Results for “muñoz” \(page 2\)<\/caption>/);
  assert.equal(html.match(/<th scope="col">/g)?.length, 6);
  assert.ok(html.includes('href="/backoffice/members/5"'));
  assert.ok(
    html.includes('href="/backoffice/members?q=mu%C3%B1oz&amp;page=1"') ||
      html.includes('href="/backoffice/members?q=mu%C3%B1oz"'),
  );
  assert.ok(html.includes('href="/backoffice/members?q=mu%C3%B1oz&amp;page=3"'));
  assert.ok(html.includes('method="get"'), 'searching changes nothing: a GET form');
  assert.ok(!html.includes('More than'));
  assert.ok(render(pages('en').searchTruncated!).includes('More than 1000 members match'));
});

test('errors: a summary linking to each field, the field marked invalid, and a notice for a conflict', () => {
  const html = render(pages('es').username!);
  assert.ok(html.includes('href="#document_number"') && html.includes('href="#reason"'));
  assert.match(html, /id="document_number"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="document_number"/);
  assert.ok(html.includes('Otra persona del equipo ha cambiado esta cuenta'));
  assert.ok(html.includes('name="expected_username" value="X1234567L"'));
});

test('the member page shows the lock, the channels, the actions, and the older-activity link', () => {
  const html = render(pages('en').member!);
  assert.ok(html.includes('Locked until 2026-11-27 10:15 UTC'));
  assert.ok(html.includes('Wrong passwords in a row: 10'));
  assert.ok(html.includes('+34 600 11 12 22') || html.includes('+34 600 111 222'));
  for (const a of ['username', 'contact', 'unlock', 'sessions', 'disable'])
    assert.ok(html.includes(`href="/backoffice/members/5/${a}"`), a);
  assert.ok(!html.includes('/backoffice/members/5/enable'));
  assert.ok(html.includes('href="/backoffice/members/5?before=3#audit"'));
  assert.ok(html.includes('Sign-in document changed'));
});

test('the reviews carry every value to the confirming POST', () => {
  const html = render(pages('en').usernameReview!);
  for (const hidden of [
    'name="document_type" value="NIF"',
    'name="document_number" value="12345678Z"',
    'name="expected_username" value="X1234567L"',
    'name="reason" value="New NIF"',
    'name="confirm" value="yes"',
  ]) {
    assert.ok(html.includes(hidden), hidden);
  }
  const contact = render(pages('es').contactReview!);
  assert.ok(contact.includes('new@example.com') && contact.includes('Se quita'));
});
