// Messages of the member feed import (PRODUCT §2) and of the unavailable page (issue 9), in both languages (R20). The English half is typed against the Spanish keys.
export const feedEs = {
  'field.csv_unreadable':
    'Esta línea no se puede leer como CSV: unas comillas sin cerrar o una línea cortada ({{reason}}).',
  'field.duplicate_in_file': 'Este número de asegurado ya aparece antes en el mismo fichero o envío.',
  'field.policy_conflict':
    'Los datos de esta póliza no coinciden con los de una línea anterior del fichero para la misma póliza.',
  'error.unavailable.title': 'El área privada no está disponible ahora mismo',
  'error.unavailable.body':
    'Estamos teniendo un problema técnico pasajero y no hemos podido atenderte. No se ha guardado nada a medias: vuelve a intentarlo dentro de un momento.',
};

export const feedEn: Record<keyof typeof feedEs, string> = {
  'field.csv_unreadable': 'This line cannot be read as CSV: a quote left open or a line cut short ({{reason}}).',
  'field.duplicate_in_file': 'This member number already appears earlier in the same file or upload.',
  'field.policy_conflict': 'The policy details on this line differ from those on an earlier line for the same policy.',
  'error.unavailable.title': 'The private area is not available right now',
  'error.unavailable.body':
    'We are having a brief technical problem and could not serve you. Nothing was half saved: please try again in a moment.',
};
