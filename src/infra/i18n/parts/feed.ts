// Messages of the member feed import (PRODUCT §2), in both languages (R20). The English half is typed against the Spanish keys.
export const feedEs = {
  'field.duplicate_in_file': 'Este número de asegurado ya aparece en una línea anterior del fichero.',
  'field.policy_conflict': 'Los datos de esta póliza no coinciden con los de una línea anterior del fichero para la misma póliza.',
};

export const feedEn: Record<keyof typeof feedEs, string> = {
  'field.duplicate_in_file': 'This member number already appears on an earlier line of the file.',
  'field.policy_conflict': 'The policy details on this line differ from those on an earlier line for the same policy.',
};
