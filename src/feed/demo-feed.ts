import { nifCheckLetter } from '../domain/identity-document.js';
import { normaliseReference } from '../domain/reference-number.js';
import { FEED_COLUMNS, type RawFeedRow } from './feed-row.js';

// Demo and synthetic feeds: realistic, valid data for a new installation and for load measurements.
// Every identity number here is computed with the official check letter; none belongs to a real person.

export const nif = (digits: number): string => `${String(digits).padStart(8, '0')}${nifCheckLetter(digits)}`;
export const nie = (prefix: 'X' | 'Y' | 'Z', digits: number): string =>
  `${prefix}${String(digits).padStart(7, '0')}${nifCheckLetter(Number(`${'XYZ'.indexOf(prefix)}${String(digits).padStart(7, '0')}`))}`;

/** A birth date `years` years and `days` days before `today` (YYYY-MM-DD). */
export function yearsBefore(today: string, years: number, days = 0): string {
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y - years, m - 1, d - days));
  return date.toISOString().slice(0, 10);
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export function toCsvLine(row: RawFeedRow): string {
  return FEED_COLUMNS.map((c) => csvField(row[c])).join(',') + '\n';
}

export const FEED_HEADER = FEED_COLUMNS.join(',') + '\n';

export interface DemoMember {
  /** As the card shows it: R1's form, upper case without spaces, hyphens or dots. */
  memberNumber: string;
  birthDate: string;
  policyNumber: string;
  /** A document to register with at step 2 (R3): the record's own where it carries one, else one no record holds. */
  document: { type: 'NIF' | 'NIE'; number: string };
  note: string;
}

function row(partial: Partial<RawFeedRow>): RawFeedRow {
  const empty = Object.fromEntries(FEED_COLUMNS.map((c) => [c, ''])) as RawFeedRow;
  return { ...empty, country: 'ES', language: 'es', policy_status: 'active', scheme: 'local', ...partial };
}

/** The demo feed loaded into a new installation: one example of every case the product handles. */
export function demoFeedRows(today: string): RawFeedRow[] {
  const family = { policy_number: 'POL-100200', product: 'Salud Completa Familia', policy_start: '2024-01-01' };
  const address = {
    address_line: 'Calle de Alcalá 120, 3º B',
    postal_code: '28009',
    city: 'Madrid',
    province: 'Madrid',
  };
  return [
    // A family: two guardians and two minors on one policy (R14).
    row({
      ...family,
      ...address,
      member_number: 'AS-1001',
      role: 'holder',
      first_name: 'Lucía',
      last_name: 'García Fernández',
      date_of_birth: yearsBefore(today, 41, 37),
      email: 'lucia.garcia@example.com',
      mobile: '+34612345678',
    }),
    row({
      ...family,
      ...address,
      member_number: 'AS-1002',
      role: 'dependent',
      first_name: 'Javier',
      last_name: 'Martín López',
      date_of_birth: yearsBefore(today, 43, 120),
      email: 'javier.martin@example.com',
      mobile: '+34622334455',
    }),
    row({
      ...family,
      ...address,
      member_number: 'AS-1003',
      role: 'dependent',
      first_name: 'Martina',
      last_name: 'Martín García',
      date_of_birth: yearsBefore(today, 12, 50),
      guardian_member_numbers: 'AS-1001;AS-1002',
    }),
    row({
      ...family,
      ...address,
      member_number: 'AS-1004',
      role: 'dependent',
      first_name: 'Hugo',
      last_name: 'Martín García',
      date_of_birth: yearsBefore(today, 17, 200),
      guardian_member_numbers: 'AS-1001;AS-1002',
    }),
    // A member whose record carries an identity document (R3: the one entered must match it).
    row({
      policy_number: 'POL-100300',
      product: 'Salud Esencial',
      policy_start: '2025-03-01',
      member_number: 'AS-2001',
      role: 'holder',
      first_name: 'Carmen',
      last_name: 'Ruiz Navarro',
      date_of_birth: yearsBefore(today, 35, 10),
      document_type: 'NIF',
      document_number: nif(48392017),
      email: 'carmen.ruiz@example.com',
      mobile: '+34655443322',
      address_line: 'Avinguda Diagonal 455',
      postal_code: '08036',
      city: 'Barcelona',
      province: 'Barcelona',
    }),
    // A foreign resident with a NIE who prefers English.
    row({
      policy_number: 'POL-100400',
      product: 'Salud Esencial',
      policy_start: '2023-06-15',
      member_number: 'AS-3001',
      role: 'holder',
      first_name: 'Emily',
      last_name: 'Clarke',
      date_of_birth: yearsBefore(today, 29, 3),
      document_type: 'NIE',
      document_number: nie('Y', 2345678),
      email: 'emily.clarke@example.com',
      mobile: '+34699887766',
      address_line: 'Calle Larios 4',
      postal_code: '29005',
      city: 'Málaga',
      province: 'Málaga',
      language: 'en',
    }),
    // A returning member: an old cancelled policy and a new one, with the same document (PRODUCT §2, R3).
    row({
      policy_number: 'POL-090100',
      policy_status: 'cancelled',
      product: 'Salud Empresa',
      policy_start: '2019-01-01',
      policy_end: '2023-12-31',
      member_number: 'AS-4001',
      role: 'holder',
      first_name: 'Pablo',
      last_name: 'Sánchez Ortega',
      date_of_birth: yearsBefore(today, 52, 80),
      document_type: 'NIF',
      document_number: nif(30567812),
      email: 'pablo.sanchez@example.com',
      address_line: 'Calle Colón 15',
      postal_code: '46004',
      city: 'Valencia',
      province: 'Valencia',
    }),
    row({
      policy_number: 'POL-100500',
      product: 'Salud Completa',
      policy_start: '2026-01-01',
      member_number: 'AS-4002',
      role: 'holder',
      first_name: 'Pablo',
      last_name: 'Sánchez Ortega',
      date_of_birth: yearsBefore(today, 52, 80),
      document_type: 'NIF',
      document_number: nif(30567812),
      email: 'pablo.sanchez@example.com',
      mobile: '+34611002200',
      address_line: 'Calle Colón 15',
      postal_code: '46004',
      city: 'Valencia',
      province: 'Valencia',
    }),
    // International and expatriate policies are served by another team (R2, R17).
    row({
      policy_number: 'INT-500100',
      scheme: 'international',
      product: 'Global Health',
      policy_start: '2025-09-01',
      member_number: 'IN-5001',
      role: 'holder',
      first_name: 'Thomas',
      last_name: 'Müller',
      date_of_birth: yearsBefore(today, 45, 15),
      email: 'thomas.muller@example.com',
      address_line: 'Paseo de la Castellana 200',
      postal_code: '28046',
      city: 'Madrid',
      province: 'Madrid',
      language: 'en',
    }),
    row({
      policy_number: 'EXP-600100',
      scheme: 'expatriate',
      product: 'Expat Care',
      policy_start: '2025-02-01',
      member_number: 'EX-6001',
      role: 'holder',
      first_name: 'Ana',
      last_name: 'Torres Vidal',
      date_of_birth: yearsBefore(today, 38, 60),
      email: 'ana.torres@example.com',
      address_line: '10 Downing Lane',
      postal_code: 'SW1A 2AA',
      city: 'London',
      country: 'GB',
    }),
    // A cancelled policy with no other (R2).
    row({
      policy_number: 'POL-080100',
      policy_status: 'cancelled',
      product: 'Salud Esencial',
      policy_start: '2018-05-01',
      policy_end: '2022-04-30',
      member_number: 'AS-7001',
      role: 'holder',
      first_name: 'Rosa',
      last_name: 'Jiménez Molina',
      date_of_birth: yearsBefore(today, 61, 5),
      email: 'rosa.jimenez@example.com',
      address_line: 'Calle San Fernando 30',
      postal_code: '41004',
      city: 'Sevilla',
      province: 'Sevilla',
    }),
  ];
}

export function demoFeedCsv(today: string): string {
  return FEED_HEADER + demoFeedRows(today).map(toCsvLine).join('');
}

/** The three members a person trying the demo would start with, with everything registration asks of them. */
export function demoMembers(today: string): DemoMember[] {
  const rows = demoFeedRows(today);
  const pick = (n: string, note: string, document?: DemoMember['document']): DemoMember => {
    const r = rows.find((x) => x.member_number === n)!;
    return {
      memberNumber: normaliseReference(r.member_number),
      birthDate: r.date_of_birth,
      policyNumber: normaliseReference(r.policy_number),
      document: document ?? { type: r.document_type as 'NIF' | 'NIE', number: r.document_number },
      note,
    };
  };
  return [
    pick('AS-1001', 'guardian of two minors; any valid document will do', { type: 'NIF', number: nif(50123456) }),
    pick('AS-2001', 'the record carries this NIF: registration asks for it'),
    pick('AS-3001', 'NIE holder, English'),
  ];
}

/** The start banner's lines for the demo members (main and cluster print the same). */
export function demoBannerLines(today: string): string[] {
  return [
    '  Demo members, to register at /register (member number · birth date · policy number · identity document):',
    ...demoMembers(today).map(
      (m) =>
        `    ${m.memberNumber} · ${m.birthDate} · ${m.policyNumber} · ${m.document.type} ${m.document.number}   (${m.note})`,
    ),
  ];
}

const FIRST = [
  'María',
  'José',
  'Antonio',
  'Carmen',
  'Manuel',
  'Laura',
  'David',
  'Marta',
  'Sergio',
  'Elena',
  'Álvaro',
  'Nuria',
];
const LAST = [
  'García',
  'Rodríguez',
  'González',
  'Fernández',
  'López',
  'Martínez',
  'Sánchez',
  'Pérez',
  'Gómez',
  'Martín',
  'Jiménez',
  'Muñoz',
];
const CITIES = [
  ['Madrid', 'Madrid', '28'],
  ['Barcelona', 'Barcelona', '08'],
  ['Sevilla', 'Sevilla', '41'],
  ['Zaragoza', 'Zaragoza', '50'],
  ['Bilbao', 'Bizkaia', '48'],
  ['Murcia', 'Murcia', '30'],
] as const;

/**
 * A synthetic feed of `count` rows for load measurements: families of four (two adults, two children), every
 * identity number valid, generated lazily so a million rows never sit in memory.
 */
export function* syntheticFeed(count: number, today: string): Generator<string> {
  yield FEED_HEADER;
  for (let i = 0; i < count; i++) {
    const family = Math.floor(i / 4);
    const position = i % 4;
    const [city, province, prefix] = CITIES[family % CITIES.length]!;
    const adult = position < 2;
    const first = FIRST[(i * 7) % FIRST.length]!;
    const last = `${LAST[family % LAST.length]} ${LAST[(family * 5 + 3) % LAST.length]}`;
    const memberNumber = `SY${String(i).padStart(8, '0')}`;
    const docDigits = 10_000_000 + i;
    yield toCsvLine(
      row({
        policy_number: `SP${String(family).padStart(8, '0')}`,
        product: 'Salud Completa',
        policy_start: '2024-01-01',
        member_number: memberNumber,
        role: position === 0 ? 'holder' : 'dependent',
        first_name: first,
        last_name: last,
        date_of_birth: yearsBefore(today, adult ? 30 + (family % 30) : 3 + (family % 12), i % 300),
        document_type: adult ? (i % 8 === 1 ? 'NIE' : 'NIF') : '',
        document_number: adult ? (i % 8 === 1 ? nie('X', docDigits % 10_000_000) : nif(docDigits)) : '',
        email: adult ? `member${i}@example.com` : '',
        mobile: adult ? `+346${String(10_000_000 + (i % 89_999_999)).padStart(8, '0')}` : '',
        address_line: `Calle Mayor ${1 + (family % 200)}`,
        postal_code: `${prefix}${String(family % 1000).padStart(3, '0')}`,
        city,
        province,
        guardian_member_numbers: adult
          ? ''
          : `SY${String(family * 4).padStart(8, '0')};SY${String(family * 4 + 1).padStart(8, '0')}`,
      }),
    );
  }
}
