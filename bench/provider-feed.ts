import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { PROVIDER_COLUMNS } from '../src/domain/provider.js';

// R34's bench feed: `rows` invented providers spread over Spanish cities the way a national directory is (many in
// the big cities, a few in small ones), with accented names and specialties, so each kind of search has realistic
// selectivity. Deterministic (a fixed pseudo-random sequence): two runs import the same file.

/** City, province, first two digits of its postal codes, centre, weight (share of providers). */
export const BENCH_CITIES: [string, string, string, number, number, number][] = [
  ['Madrid', 'Madrid', '28', 40.4168, -3.7038, 22],
  ['Barcelona', 'Barcelona', '08', 41.3874, 2.1686, 18],
  ['Valencia', 'Valencia', '46', 39.4699, -0.3763, 8],
  ['Sevilla', 'Sevilla', '41', 37.3891, -5.9845, 7],
  ['Málaga', 'Málaga', '29', 36.7213, -4.4214, 6],
  ['Zaragoza', 'Zaragoza', '50', 41.6488, -0.8891, 5],
  ['Bilbao', 'Bizkaia', '48', 43.263, -2.935, 4],
  ['Murcia', 'Murcia', '30', 37.9922, -1.1307, 4],
  ['Palma', 'Illes Balears', '07', 39.5696, 2.6502, 3],
  ['Las Palmas de Gran Canaria', 'Las Palmas', '35', 28.1235, -15.4363, 3],
  ['Alicante', 'Alicante', '03', 38.3452, -0.481, 3],
  ['Córdoba', 'Córdoba', '14', 37.8882, -4.7794, 2],
  ['Valladolid', 'Valladolid', '47', 41.6523, -4.7245, 2],
  ['Vigo', 'Pontevedra', '36', 42.2406, -8.7207, 2],
  ['Gijón', 'Asturias', '33', 43.5322, -5.6611, 2],
  ['A Coruña', 'A Coruña', '15', 43.3623, -8.4115, 2],
  ['Granada', 'Granada', '18', 37.1773, -3.5986, 2],
  ['Vitoria-Gasteiz', 'Araba', '01', 42.8467, -2.6716, 1],
  ['Santander', 'Cantabria', '39', 43.4623, -3.8099, 1],
  ['Pamplona', 'Navarra', '31', 42.8125, -1.6458, 1],
  ['Logroño', 'La Rioja', '26', 42.4627, -2.445, 1],
  ['Cáceres', 'Cáceres', '10', 39.4753, -6.3724, 1],
  ['León', 'León', '24', 42.5987, -5.5671, 1],
  ['Jaén', 'Jaén', '23', 37.7796, -3.7849, 1],
];

export const BENCH_SPECIALTIES = [
  'Traumatología',
  'Cardiología',
  'Dermatología',
  'Pediatría',
  'Ginecología',
  'Oftalmología',
  'Otorrinolaringología',
  'Psicología',
  'Psiquiatría',
  'Neurología',
  'Urología',
  'Endocrinología',
  'Aparato digestivo',
  'Neumología',
  'Reumatología',
  'Medicina general',
  'Fisioterapia',
  'Odontología',
  'Análisis clínicos',
  'Radiodiagnóstico',
  'Alergología',
  'Nefrología',
  'Oncología médica',
  'Cirugía general',
  'Podología',
  'Nutrición y dietética',
  'Logopedia',
  'Medicina interna',
];
const FIRST = [
  'Lucía',
  'José',
  'María',
  'Andrés',
  'Begoña',
  'Íñigo',
  'Ángela',
  'Raúl',
  'Pilar',
  'Tomás',
  'Nuria',
  'Óscar',
];
const LAST = [
  'Núñez',
  'García',
  'Martínez',
  'López',
  'Sánchez',
  'Pérez',
  'Gómez',
  'Martín',
  'Jiménez',
  'Ruiz',
  'Hernández',
  'Díaz',
  'Moreno',
  'Muñoz',
  'Álvarez',
  'Romero',
  'Alonso',
  'Gutiérrez',
  'Navarro',
  'Torres',
  'Domínguez',
  'Vázquez',
  'Ramos',
  'Gil',
  'Ramírez',
  'Serrano',
  'Blanco',
  'Molina',
  'Morales',
  'Suárez',
  'Ortega',
  'Delgado',
  'Castro',
  'Ortiz',
  'Rubio',
  'Marín',
  'Sanz',
  'Iglesias',
  'Medina',
  'Garrido',
  'Cortés',
  'Castillo',
  'Santos',
  'Lozano',
  'Guerrero',
  'Cano',
  'Prieto',
  'Méndez',
  'Cruz',
  'Calvo',
  'Gallego',
  'Vidal',
  'León',
  'Peña',
  'Herrera',
  'Márquez',
  'Cabrera',
  'Flores',
  'Campos',
  'Vega',
  'Fuentes',
  'Carrasco',
  'Diez',
  'Caballero',
  'Reyes',
  'Nieto',
  'Aguilar',
  'Pascual',
  'Santana',
  'Herrero',
  'Lorenzo',
  'Montero',
  'Hidalgo',
  'Giménez',
  'Ibáñez',
  'Ferrer',
  'Durán',
  'Santiago',
  'Benítez',
  'Mora',
  'Vicente',
  'Vargas',
  'Arias',
  'Carmona',
  'Crespo',
  'Román',
  'Pastor',
  'Soto',
  'Sáez',
  'Velasco',
  'Moya',
  'Soler',
  'Parra',
  'Esteban',
  'Bravo',
  'Gallardo',
  'Rojas',
  'Pardo',
  'Merino',
  'Franco',
];
const STREETS = [
  'Calle Mayor',
  'Avenida de la Constitución',
  'Calle Real',
  'Paseo de la Castellana',
  'Calle Larios',
  'Gran Vía',
  'Calle de Alcalá',
  'Rambla de Catalunya',
  'Calle San Vicente',
  'Avenida de Andalucía',
];
const KINDS = ['doctor', 'doctor', 'doctor', 'doctor', 'doctor', 'doctor', 'clinic', 'clinic', 'dentist', 'lab'];
const NETWORKS = ['Salud Completa Familia', 'Salud Completa', 'Salud Esencial', 'Salud Empresa'];

/** A small fixed-seed generator (mulberry32). */
export function sequence(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const totalWeight = BENCH_CITIES.reduce((s, c) => s + c[5], 0);

/** One provider row's values, in PROVIDER_COLUMNS order. */
export function providerRow(i: number, random: () => number): string[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  let w = random() * totalWeight;
  const city = BENCH_CITIES.find((c) => (w -= c[5]) < 0) ?? BENCH_CITIES[0]!;
  const [name, province, prefix, lat, lon] = city;
  // Postal codes: each city spreads over up to 50 codes, nearer codes nearer the centre.
  const district = Math.floor(random() * Math.min(50, 5 + city[5] * 3));
  const postal = `${prefix}${String(district + 1).padStart(3, '0')}`;
  const kind = pick(KINDS);
  const specialties = kind === 'dentist' ? ['Odontología'] : kind === 'lab' ? ['Análisis clínicos'] : [];
  if (!specialties.length) {
    const n = kind === 'clinic' ? 2 + Math.floor(random() * 4) : 1 + Math.floor(random() * 2);
    while (specialties.length < n) {
      const s = pick(BENCH_SPECIALTIES);
      if (!specialties.includes(s)) specialties.push(s);
    }
  }
  const person = `${pick(FIRST)} ${pick(LAST)} ${pick(LAST)}`;
  const title =
    kind === 'doctor'
      ? `${random() < 0.5 ? 'Dra.' : 'Dr.'} ${person}`
      : kind === 'clinic'
        ? `Clínica ${pick(LAST)}`
        : kind === 'dentist'
          ? `Clínica dental ${pick(LAST)}`
          : `Laboratorio ${pick(LAST)}`;
  const networks = NETWORKS.filter(() => random() < 0.7);
  const r = () => (random() - 0.5) * 0.12 * (1 + district / 25);
  return [
    `BENCH-${String(i).padStart(7, '0')}`,
    title,
    kind,
    specialties.join(';'),
    `${pick(STREETS)} ${1 + Math.floor(random() * 200)}`,
    postal,
    name,
    province,
    `+34 9${String(10_000_000 + Math.floor(random() * 89_999_999)).slice(0, 8)}`,
    (lat + r()).toFixed(5),
    (lon + r()).toFixed(5),
    (networks.length ? networks : [NETWORKS[0]!]).join(';'),
    random() < 0.2 ? 'es;en' : 'es',
  ];
}

const csvField = (v: string) => (/[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);

/** Writes the feed: the header R34 gives, then `rows` providers. */
export async function writeProviderFeed(file: string, rows: number, seed = 34): Promise<void> {
  const out = createWriteStream(file);
  const random = sequence(seed);
  out.write(PROVIDER_COLUMNS.join(',') + '\n');
  for (let i = 1; i <= rows; i++) {
    if (!out.write(providerRow(i, random).map(csvField).join(',') + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
