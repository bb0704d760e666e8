// Messages of the portal's look (R37): navigation, the home's dashboard, status badges, the card's new parts and its
// verification page (R33), in both languages (R20). The English half is typed against the Spanish keys.
export const lookEs = {
  'nav.menu': 'Menú',
  'nav.card': 'Mi tarjeta',
  'nav.requests': 'Solicitudes',
  'nav.documents': 'Documentos',
  'nav.directory': 'Cuadro médico',

  'sections.label': 'En esta página',
  'sections.helpTitle': '¿Necesitas ayuda?',

  'dashboard.requests': 'Solicitudes',
  'dashboard.requestsNone': 'No tienes solicitudes de reembolso ni de autorización en curso.',
  'dashboard.requestsAll': 'Ver todas las solicitudes',
  'dashboard.documents': 'Documentos',
  'dashboard.documentsBody': 'Tus condiciones, recibos y cartas, y el certificado de seguro cuando lo necesites.',
  'dashboard.documentsAll': 'Ver tus documentos',
  'dashboard.doctors': 'Buscar un médico',
  'dashboard.doctorsBody': 'Médicos, clínicas, hospitales y dentistas de tu cuadro médico, cerca de ti.',
  'dashboard.doctorsSearch': 'Buscar en el cuadro médico',
  'dashboard.help': 'Ayuda y contacto',
  'dashboard.helpLink': 'Preguntas frecuentes',
  'dashboard.emergency': 'Urgencias 24 horas: {{phone}}',

  'status.requestType.reimbursement': 'Reembolso',
  'status.requestType.authorization': 'Autorización',

  'card.validUntil': 'Válida hasta',
  'card.noEnd': 'Sin fecha de fin',
  'card.appleWallet': 'Añadir a Apple Wallet',
  'card.googleWallet': 'Guardar en Google Wallet',
  'card.emergency': 'Urgencias 24 h',
  'card.walletLimited.title': 'Ya has descargado la tarjeta muchas veces',
  'card.walletLimited.body':
    'Has pedido la tarjeta para Apple Wallet muchas veces en poco tiempo. Si ya está en tu teléfono, no hace falta volver a añadirla; si no, inténtalo de nuevo dentro de una hora.',
  'card.notValid': 'Esta tarjeta no es válida: la póliza está de baja.',
  'card.qrAlt': 'Código QR para comprobar la tarjeta en {{url}}',
  'card.qrHint': 'En tu centro médico pueden escanear el código QR para comprobar que la tarjeta es válida hoy.',

  'cardCheck.title': 'Comprobación de tarjeta',
  'cardCheck.valid.heading': 'Tarjeta válida hoy',
  'cardCheck.valid.body': '{{brand}} confirma que esta tarjeta corresponde a una póliza en vigor hoy, {{today}}.',
  'cardCheck.invalid.heading': 'Tarjeta auténtica, pero NO válida hoy',
  'cardCheck.invalid.body':
    'Esta tarjeta la emitió {{brand}}, pero la póliza no da cobertura hoy, {{today}}. Pide a la persona asegurada que contacte con {{brand}}.',
  'cardCheck.unknown.heading': 'Tarjeta no reconocida',
  'cardCheck.unknown.body':
    '{{brand}} no ha emitido ninguna tarjeta con esta dirección. Comprueba que has escaneado el código QR completo; si persiste, la tarjeta no es auténtica.',
  'cardCheck.initials': 'Persona asegurada (iniciales)',
  'cardCheck.privacy':
    'Por privacidad, esta página solo muestra las iniciales, el producto y las fechas. No muestra la fecha de nacimiento ni el documento de identidad.',
};

export const lookEn: Record<keyof typeof lookEs, string> = {
  'nav.menu': 'Menu',
  'nav.card': 'My card',
  'nav.requests': 'Requests',
  'nav.documents': 'Documents',
  'nav.directory': 'Find a doctor',

  'sections.label': 'On this page',
  'sections.helpTitle': 'Need help?',

  'dashboard.requests': 'Requests',
  'dashboard.requestsNone': 'You have no reimbursement or authorisation requests in progress.',
  'dashboard.requestsAll': 'See all requests',
  'dashboard.documents': 'Documents',
  'dashboard.documentsBody':
    'Your policy terms, receipts and letters, and the certificate of insurance whenever you need it.',
  'dashboard.documentsAll': 'See your documents',
  'dashboard.doctors': 'Find a doctor',
  'dashboard.doctorsBody': 'Doctors, clinics, hospitals and dentists in your network, near you.',
  'dashboard.doctorsSearch': 'Search the directory',
  'dashboard.help': 'Help and contact',
  'dashboard.helpLink': 'Frequently asked questions',
  'dashboard.emergency': '24-hour emergencies: {{phone}}',

  'status.requestType.reimbursement': 'Reimbursement',
  'status.requestType.authorization': 'Authorisation',

  'card.validUntil': 'Valid until',
  'card.noEnd': 'No end date',
  'card.appleWallet': 'Add to Apple Wallet',
  'card.googleWallet': 'Save to Google Wallet',
  'card.emergency': '24 h emergencies',
  'card.walletLimited.title': 'You have downloaded the card many times',
  'card.walletLimited.body':
    'You have asked for the Apple Wallet card many times in a short time. If it is already on your phone there is no need to add it again; if not, try again in an hour.',
  'card.notValid': 'This card is not valid: the policy is cancelled.',
  'card.qrAlt': 'QR code to check the card at {{url}}',
  'card.qrHint': 'At your clinic they can scan the QR code to check that the card is valid today.',

  'cardCheck.title': 'Card check',
  'cardCheck.valid.heading': 'Card valid today',
  'cardCheck.valid.body': '{{brand}} confirms that this card belongs to a policy in force today, {{today}}.',
  'cardCheck.invalid.heading': 'Genuine card, but NOT valid today',
  'cardCheck.invalid.body':
    '{{brand}} issued this card, but the policy gives no cover today, {{today}}. Ask the insured person to contact {{brand}}.',
  'cardCheck.unknown.heading': 'Card not recognised',
  'cardCheck.unknown.body':
    '{{brand}} has issued no card with this address. Check that the whole QR code was scanned; if it still fails, the card is not genuine.',
  'cardCheck.initials': 'Insured person (initials)',
  'cardCheck.privacy':
    'For privacy, this page shows only the initials, the product and the dates. It never shows the date of birth or the identity document.',
};
