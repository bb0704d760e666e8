// Reasons a feed row or an integration API value is refused (PRODUCT §2, R24): the CSV import report, the CLI and
// the API's problem details explain each code with these. Both languages (R20); the English half is typed against
// the Spanish keys.
export const integrationEs = {
  'field.not_allowed': 'Este valor no está permitido. Valores posibles: {{allowed}}.',
  'field.unknown_field': 'Este campo no existe. Quítalo.',
  'field.wrong_type': 'El tipo de este valor no es el esperado ({{expected}}).',
  'field.malformed_json': 'La línea no es JSON válido.',
  'field.not_an_object': 'Cada línea debe ser un objeto JSON con los campos de un asegurado.',
  'field.invalid_characters': 'Contiene caracteres que no se admiten aquí.',
  'field.not_utf8': 'El texto no está en UTF-8 válido.',
  'field.country_invalid': 'Indica el país con su código ISO de dos letras, como ES.',
  'field.before_start': 'La fecha de fin es anterior a la de inicio.',
  'field.date_in_future': 'La fecha no puede ser posterior a hoy.',
  'field.guardian_unknown': 'Estos tutores no son asegurados de la misma póliza: {{member_numbers}}.',
  'field.guardian_is_self': 'Un asegurado no puede ser su propio tutor.',
  'field.too_large': 'El envío supera el tamaño máximo de {{max}} bytes.',
  'field.column_count': 'La fila tiene {{found}} columnas y se esperaban {{expected}}.',
  'field.header_invalid': 'La primera fila debe ser la cabecera: {{expected}}.',
  'field.out_of_range': 'El valor debe estar entre {{min}} y {{max}}.',
} as const;

export const integrationEn: Record<keyof typeof integrationEs, string> = {
  'field.not_allowed': 'This value is not allowed. Allowed values: {{allowed}}.',
  'field.unknown_field': 'There is no such field. Remove it.',
  'field.wrong_type': 'This value has the wrong type ({{expected}} expected).',
  'field.malformed_json': 'The line is not valid JSON.',
  'field.not_an_object': 'Each line must be a JSON object with a member’s fields.',
  'field.invalid_characters': 'It contains characters that are not accepted here.',
  'field.not_utf8': 'The text is not valid UTF-8.',
  'field.country_invalid': 'Give the country as its two-letter ISO code, such as ES.',
  'field.before_start': 'The end date is before the start date.',
  'field.date_in_future': 'The date cannot be later than today.',
  'field.guardian_unknown': 'These guardians are not members of the same policy: {{member_numbers}}.',
  'field.guardian_is_self': 'A member cannot be their own guardian.',
  'field.too_large': 'The upload is larger than the limit of {{max}} bytes.',
  'field.column_count': 'The row has {{found}} columns where {{expected}} were expected.',
  'field.header_invalid': 'The first row must be the header: {{expected}}.',
  'field.out_of_range': 'The value must be between {{min}} and {{max}}.',
};
