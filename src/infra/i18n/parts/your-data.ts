// R36 "your data": the back office's reason step, the member's /area/data page, the export and closing the account.
export const yourDataEs = {
  'bo.access.title': 'Motivo para abrir la ficha',
  'bo.access.intro':
    'Antes de ver los datos de este asegurado, indica por qué los abres. El motivo vale para esta ficha durante {{minutes}} minutos en esta sesión.',
  'bo.access.submit': 'Abrir la ficha',
  'bo.members.account.closed': 'Cerrada por el asegurado',
  'data.title': 'Tus datos',
  'data.intro':
    'Aquí ves quién de la compañía ha consultado tus datos y por qué, puedes descargar una copia de todo lo que el área privada guarda sobre ti y cerrar tu cuenta.',
  'data.link': 'Tus datos: copia, accesos y cierre de la cuenta',
  'data.access.heading': 'Quién ha consultado tus datos',
  'data.access.intro':
    'Cada vez que alguien de la compañía abre tu ficha, una solicitud o un archivo, queda anotado con el motivo. Lo más reciente, primero.',
  'data.access.introMinor':
    'Cada vez que alguien de la compañía abre la ficha, una solicitud o un archivo de {{name}}, queda anotado con el motivo. Lo más reciente, primero.',
  'data.access.empty': 'Nadie de la compañía ha consultado estos datos todavía.',
  'data.access.noOlder': 'No hay accesos más antiguos.',
  'data.access.older': 'Ver accesos más antiguos',
  'data.access.who': 'Quién',
  'data.access.what': 'Qué',
  'data.access.reason': 'Motivo',
  'data.access.staff': '{{role}}, identificador {{id}}',
  'data.access.role.agent': 'Atención al cliente',
  'data.access.role.admin': 'Administración del área privada',
  'data.access.systems': 'Los sistemas de la compañía',
  'data.access.systemsReason': 'Consulta automática para gestionar tu póliza',
  'data.access.what.record': 'Tu ficha',
  'data.access.what.request': 'Una solicitud',
  'data.access.what.file': 'Un archivo',
  'data.access.what.document': 'Un documento',
} as const;

export const yourDataEn: Record<keyof typeof yourDataEs, string> = {
  'bo.access.title': 'Why are you opening this record?',
  'bo.access.intro':
    "Before you see this member's data, say why you are opening it. The reason holds for this record for {{minutes}} minutes in this session.",
  'bo.access.submit': 'Open the record',
  'bo.members.account.closed': 'Closed by the member',
  'data.title': 'Your data',
  'data.intro':
    'See who at the company looked at your data and why, download a copy of everything the private area holds about you, and close your account.',
  'data.link': 'Your data: a copy, who looked at it, closing your account',
  'data.access.heading': 'Who looked at your data',
  'data.access.intro':
    'Each time someone at the company opens your record, a request or a file, it is noted with the reason. Newest first.',
  'data.access.introMinor':
    "Each time someone at the company opens {{name}}'s record, a request or a file, it is noted with the reason. Newest first.",
  'data.access.empty': 'Nobody at the company has looked at this data yet.',
  'data.access.noOlder': 'There are no older accesses.',
  'data.access.older': 'Show older accesses',
  'data.access.who': 'Who',
  'data.access.what': 'What',
  'data.access.reason': 'Reason',
  'data.access.staff': '{{role}}, ID {{id}}',
  'data.access.role.agent': 'Customer service',
  'data.access.role.admin': 'Private area administration',
  'data.access.systems': "The insurer's systems",
  'data.access.systemsReason': 'An automatic read to manage your policy',
  'data.access.what.record': 'Your record',
  'data.access.what.request': 'A request',
  'data.access.what.file': 'A file',
  'data.access.what.document': 'A document',
};
