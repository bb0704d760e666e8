// The postal address's fields (src/infra/web/address-fields.tsx), one wording wherever an address is typed:
// registration, the contact page, the back office (R3, R15, R23). Both languages (R20).
export const addressEs = {
  'address.line': 'Dirección',
  'address.postalCode': 'Código postal',
  'address.postalCodeHint': 'En España, 5 cifras. En otro país, el que se use allí (o nada, si allí no se usan).',
  'address.city': 'Localidad',
  'address.province': 'Provincia (opcional)',
  'address.country': 'País',
} as const;

export const addressEn: Record<keyof typeof addressEs, string> = {
  'address.line': 'Address',
  'address.postalCode': 'Postcode',
  'address.postalCodeHint': 'In Spain, 5 digits. In another country, the one used there (or none, if it has none).',
  'address.city': 'Town or city',
  'address.province': 'Province (optional)',
  'address.country': 'Country',
};
