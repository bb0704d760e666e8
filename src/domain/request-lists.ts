// R31: the insurer's lists a request's form offers: the concepts a reimbursement may claim and the categories an
// authorization may ask for. A brand file may give its own (`requests.concepts`, `requests.categories`); these are
// the lists a Spanish health insurer's forms commonly carry, used when it gives none. An id is what is stored (and
// what the core system reads); the labels are what the member sees, in both languages (R20).

export interface RequestOption {
  /** Stored on the request; lower-case letters, digits, `_` or `-`, at most 50 characters. */
  id: string;
  es: string;
  en: string;
}

export const REQUEST_OPTION_ID = /^[a-z0-9_-]{1,50}$/;

export const DEFAULT_CONCEPTS: readonly RequestOption[] = [
  { id: 'consultation', es: 'Consulta médica', en: 'Medical consultation' },
  { id: 'diagnostic_test', es: 'Prueba diagnóstica', en: 'Diagnostic test' },
  { id: 'physiotherapy', es: 'Fisioterapia', en: 'Physiotherapy' },
  { id: 'dental', es: 'Tratamiento dental', en: 'Dental treatment' },
  { id: 'hospital_stay', es: 'Hospitalización', en: 'Hospital stay' },
  { id: 'pharmacy', es: 'Medicamentos', en: 'Medicines' },
  { id: 'optics', es: 'Gafas y lentillas', en: 'Glasses and contact lenses' },
  { id: 'other', es: 'Otros gastos médicos', en: 'Other medical expenses' },
];

export const DEFAULT_CATEGORIES: readonly RequestOption[] = [
  { id: 'imaging', es: 'Pruebas de imagen (resonancia, TAC…)', en: 'Imaging (MRI, CT scan…)' },
  { id: 'laboratory', es: 'Análisis clínicos', en: 'Laboratory tests' },
  { id: 'surgery', es: 'Cirugía', en: 'Surgery' },
  { id: 'hospital_admission', es: 'Ingreso hospitalario', en: 'Hospital admission' },
  { id: 'rehabilitation', es: 'Rehabilitación y fisioterapia', en: 'Rehabilitation and physiotherapy' },
  { id: 'specialist_treatment', es: 'Tratamiento con especialista', en: 'Specialist treatment' },
  { id: 'other', es: 'Otros', en: 'Other' },
];

/** The lists in force: the brand's where it gives them, the defaults otherwise. */
export function requestLists(brand: { requests?: { concepts?: RequestOption[]; categories?: RequestOption[] } }): {
  concepts: readonly RequestOption[];
  categories: readonly RequestOption[];
} {
  return {
    concepts: brand.requests?.concepts ?? DEFAULT_CONCEPTS,
    categories: brand.requests?.categories ?? DEFAULT_CATEGORIES,
  };
}

/** An option's label in a language; a stored id the list no longer has is shown as it is. */
export function optionLabel(list: readonly RequestOption[], id: string | null, lang: 'es' | 'en'): string {
  if (id === null) return '';
  return list.find((o) => o.id === id)?.[lang] ?? id;
}
