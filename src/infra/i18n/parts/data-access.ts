// R36, R31: the reasons an agent gives before opening a member's data, shown in the back office and to the member.
export const dataAccessEs = {
  'access.reason.member_call': 'El asegurado nos ha llamado',
  'access.reason.member_written': 'El asegurado nos ha escrito',
  'access.reason.request_review': 'Revisión de una solicitud',
  'access.reason.complaint': 'Reclamación',
  'access.reason.legal_obligation': 'Obligación legal',
  'access.reason.other': 'Otro motivo (explícalo)',
  'access.reason.label': 'Motivo del acceso',
  'access.note.label': 'Detalle (opcional; obligatorio si eliges «Otro motivo»)',
  'access.reason.hint': 'El asegurado podrá ver cuándo y por qué se han consultado sus datos.',
  'field.access_reason_required': 'Elige el motivo del acceso (y explícalo si es «Otro motivo»).',
} as const;

export const dataAccessEn: Record<keyof typeof dataAccessEs, string> = {
  'access.reason.member_call': 'The member called us',
  'access.reason.member_written': 'The member wrote to us',
  'access.reason.request_review': 'Reviewing a request',
  'access.reason.complaint': 'Complaint',
  'access.reason.legal_obligation': 'Legal obligation',
  'access.reason.other': 'Another reason (explain it)',
  'access.reason.label': 'Reason for opening',
  'access.note.label': 'Details (optional; required for "Another reason")',
  'access.reason.hint': 'The member can see when and why their data was opened.',
  'field.access_reason_required': 'Choose why you are opening this (and explain it for "Another reason").',
};
