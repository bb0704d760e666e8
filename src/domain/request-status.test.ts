import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkTransition,
  REQUEST_STATUSES,
  requiredFields,
  type RequestState,
  type RequestStatus,
  type TransitionFields,
} from './request-status.js';
import type { RequestType } from './request-reference.js';

// R31: the status graph. The allowed edges are written out here as a table, independently of the code; every other
// pair (type, from, to) must be refused with transition_forbidden.

const ALLOWED: Record<RequestType, string[]> = {
  reimbursement: [
    'received>in_review',
    'in_review>needs_info',
    'needs_info>in_review',
    'in_review>approved',
    'in_review>partially_approved',
    'in_review>rejected',
    'approved>paid',
    'partially_approved>paid',
  ],
  authorization: [
    'received>in_review',
    'in_review>needs_info',
    'needs_info>in_review',
    'in_review>approved',
    'in_review>partially_approved',
    'in_review>rejected',
  ],
};

const TODAY = '2026-12-05';
const state = (type: RequestType, status: RequestStatus, approved: number | null = null): RequestState => ({
  type,
  status,
  amount_claimed: type === 'reimbursement' ? 10_000 : null,
  amount_approved: approved,
});

/** Complete, valid fields for a transition (from requiredFields), to prove only the edge decides. */
const GOOD: Required<TransitionFields> = {
  reason: 'Falta la factura original',
  message: 'Envíe la prescripción firmada',
  answer: 'Adjunto la prescripción',
  amount_approved: 5_000,
  amount_paid: 5_000,
  paid_on: '2026-12-01',
  authorization_number: 'AUT-998877',
  valid_from: '2026-12-01',
  valid_until: '2027-03-01',
  provider: 'Clínica Central',
};
const fieldsFor = (type: RequestType, from: RequestStatus, to: RequestStatus): TransitionFields =>
  Object.fromEntries((requiredFields(type, from, to) ?? []).map((k) => [k, GOOD[k]]));

test('every pair of statuses outside the graph is refused, for both types (49 pairs each)', () => {
  let refused = 0;
  for (const type of ['reimbursement', 'authorization'] as const)
    for (const from of REQUEST_STATUSES)
      for (const to of REQUEST_STATUSES) {
        const edge = `${from}>${to}`;
        const r = checkTransition(state(type, from, 10_000), to, fieldsFor(type, from, to), TODAY);
        if (ALLOWED[type].includes(edge)) {
          assert.equal(r.ok, true, `${type} ${edge} should be allowed: ${JSON.stringify(r)}`);
        } else {
          refused++;
          assert.deepEqual(
            r,
            { ok: false, errors: [{ field: 'status', code: 'transition_forbidden', params: { from, to } }] },
            `${type} ${edge}`,
          );
          // Even with every field there is, a forbidden edge stays forbidden.
          assert.equal(checkTransition(state(type, from, 10_000), to, { ...GOOD }, TODAY).ok, false);
          assert.equal(requiredFields(type, from, to), undefined);
        }
      }
  assert.equal(refused, 49 * 2 - 8 - 6);
});

test('each allowed edge names its required fields; leaving one out is refused with "required"', () => {
  const expected: Record<string, string[]> = {
    'reimbursement received>in_review': [],
    'reimbursement in_review>needs_info': ['message'],
    'reimbursement needs_info>in_review': ['answer'],
    'reimbursement in_review>approved': [],
    'reimbursement in_review>partially_approved': ['amount_approved', 'reason'],
    'reimbursement in_review>rejected': ['reason'],
    'reimbursement approved>paid': ['amount_paid', 'paid_on'],
    'reimbursement partially_approved>paid': ['amount_paid', 'paid_on'],
    'authorization in_review>approved': ['authorization_number', 'valid_from', 'valid_until', 'provider'],
    'authorization in_review>partially_approved': [
      'authorization_number',
      'valid_from',
      'valid_until',
      'provider',
      'reason',
    ],
    'authorization in_review>rejected': ['reason'],
  };
  for (const [key, fields] of Object.entries(expected)) {
    const [type, edge] = key.split(' ') as [RequestType, string];
    const [from, to] = edge.split('>') as [RequestStatus, RequestStatus];
    assert.deepEqual(requiredFields(type, from, to), fields, key);
    for (const missing of fields) {
      const partial = { ...fieldsFor(type, from, to), [missing]: undefined };
      const r = checkTransition(state(type, from, 10_000), to, partial, TODAY);
      assert.ok(
        !r.ok && r.errors.some((e) => e.field === missing && e.code === 'required'),
        `${key} without ${missing}`,
      );
    }
  }
});

test('fields that do not belong to the transition are refused', () => {
  const r = checkTransition(state('reimbursement', 'received'), 'in_review', { amount_paid: 100 }, TODAY);
  assert.deepEqual(r, { ok: false, errors: [{ field: 'amount_paid', code: 'unknown_field' }] });
});

test('a full approval defaults to the amount claimed; a partial one must be below it', () => {
  const full = checkTransition(state('reimbursement', 'in_review'), 'approved', {}, TODAY);
  assert.deepEqual(full, { ok: true, value: { to: 'approved', fields: { amount_approved: 10_000 } } });
  const over = checkTransition(state('reimbursement', 'in_review'), 'approved', { amount_approved: 10_001 }, TODAY);
  assert.equal(!over.ok && over.errors[0]!.code, 'amount_too_high');
  const partialAll = checkTransition(
    state('reimbursement', 'in_review'),
    'partially_approved',
    { amount_approved: 10_000, reason: 'x' },
    TODAY,
  );
  assert.equal(!partialAll.ok && partialAll.errors[0]!.code, 'amount_too_high');
  const zero = checkTransition(
    state('reimbursement', 'in_review'),
    'partially_approved',
    { amount_approved: 0, reason: 'x' },
    TODAY,
  );
  assert.equal(!zero.ok && zero.errors[0]!.code, 'amount_not_positive');
  const frac = checkTransition(
    state('reimbursement', 'in_review'),
    'partially_approved',
    { amount_approved: 1.5, reason: 'x' },
    TODAY,
  );
  assert.equal(!frac.ok && frac.errors[0]!.code, 'amount_invalid');
});

test('payment: not more than approved, not in the future, a real date', () => {
  const s = state('reimbursement', 'partially_approved', 5_000);
  const code = (f: TransitionFields) => {
    const r = checkTransition(s, 'paid', f, TODAY);
    return r.ok ? 'ok' : r.errors.map((e) => `${e.field}:${e.code}`).join(',');
  };
  assert.equal(code({ amount_paid: 5_000, paid_on: TODAY }), 'ok');
  assert.equal(code({ amount_paid: 5_001, paid_on: TODAY }), 'amount_paid:amount_too_high');
  assert.equal(code({ amount_paid: 5_000, paid_on: '2026-12-06' }), 'paid_on:date_in_future');
  assert.equal(code({ amount_paid: 5_000, paid_on: '2026-02-30' }), 'paid_on:date_invalid');
  assert.equal(code({ amount_paid: -5, paid_on: TODAY }), 'amount_paid:amount_not_positive');
});

test('an authorization is valid from a date to a later one; texts are trimmed and bounded', () => {
  const s = state('authorization', 'in_review');
  const base = {
    authorization_number: ' A-1 ',
    valid_from: '2026-12-10',
    valid_until: '2026-12-01',
    provider: 'Clínica',
  };
  const r = checkTransition(s, 'approved', base, TODAY);
  assert.deepEqual(r, { ok: false, errors: [{ field: 'valid_until', code: 'before_start' }] });
  const good = checkTransition(s, 'approved', { ...base, valid_until: '2026-12-10' }, TODAY);
  assert.ok(good.ok && good.value.fields.authorization_number === 'A-1');
  const long = checkTransition(state('reimbursement', 'in_review'), 'rejected', { reason: 'x'.repeat(2001) }, TODAY);
  assert.deepEqual(long, { ok: false, errors: [{ field: 'reason', code: 'too_long', params: { max: 2000 } }] });
  const blank = checkTransition(state('reimbursement', 'in_review'), 'rejected', { reason: '   ' }, TODAY);
  assert.deepEqual(blank, { ok: false, errors: [{ field: 'reason', code: 'required' }] });
});
