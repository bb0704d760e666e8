// Messages of the member's documents (R32): the page, the email that says one arrived (which never says what it is:
// STYLE 19), and the API's refusals of a document's fields. Both languages (R20); the English half is typed against
// the Spanish keys.
export const documentsEs = {
  'field.date_not_iso': 'Escribe la fecha como AAAA-MM-DD, por ejemplo 2026-01-31.',
  'field.file_not_pdf': 'Solo se admiten documentos PDF.',

  'documents.areaLink': 'Tus documentos',
  'documents.title': 'Tus documentos',
  'documents.intro':
    'Aquí tienes las condiciones de tu póliza, los recibos, los certificados fiscales y las cartas que te enviamos. Los más recientes aparecen primero.',
  'documents.introMinor': 'Estás viendo los documentos de {{name}}.',
  'documents.none': 'Todavía no tienes documentos. Te avisaremos por email cuando llegue uno.',
  'documents.kind.conditions': 'Condiciones de la póliza',
  'documents.kind.receipt': 'Recibos',
  'documents.kind.tax_certificate': 'Certificados fiscales',
  'documents.kind.letter': 'Cartas',
  'documents.kind.other': 'Otros documentos',
  'documents.date': 'Fecha',
  'documents.size': 'Tamaño',
  'documents.downloadOf': 'Descargar «{{title}}» (PDF, {{size}})',
  'documents.forPolicy': 'Para todas las personas de la póliza {{policy}}',
  'documents.certificate.heading': 'Certificado de seguro',
  'documents.certificate.body':
    'Puedes descargar cuando quieras un certificado de seguro con tus datos de hoy. Quien lo reciba puede comprobar que es auténtico.',
  'documents.certificate.forPolicy': 'Certificado de la póliza {{policy}} ({{product}}, PDF)',
  'documents.notFound.title': 'No encontramos este documento',
  'documents.notFound.body': 'El documento no existe o no está entre los tuyos. Vuelve a tus documentos.',
  'documents.size.kb': '{{n}} KB',
  'documents.size.mb': '{{n}} MB',

  'email.newDocument.subject': 'Tienes un documento nuevo en {{brand}}',
  'email.newDocument.body': 'Hay un documento nuevo en tu área privada.',
  'email.newDocument.signIn': 'Entra en tu área privada para verlo.',
  'email.newDocument.button': 'Ver mis documentos',
} as const;

export const documentsEn: Record<keyof typeof documentsEs, string> = {
  'field.date_not_iso': 'Write the date as YYYY-MM-DD, for example 2026-01-31.',
  'field.file_not_pdf': 'Only PDF documents are accepted.',

  'documents.areaLink': 'Your documents',
  'documents.title': 'Your documents',
  'documents.intro':
    'Here are your policy conditions, receipts, tax certificates and the letters we send you. The most recent come first.',
  'documents.introMinor': 'You are looking at the documents of {{name}}.',
  'documents.none': 'You have no documents yet. We will email you when one arrives.',
  'documents.kind.conditions': 'Policy conditions',
  'documents.kind.receipt': 'Receipts',
  'documents.kind.tax_certificate': 'Tax certificates',
  'documents.kind.letter': 'Letters',
  'documents.kind.other': 'Other documents',
  'documents.date': 'Date',
  'documents.size': 'Size',
  'documents.downloadOf': 'Download “{{title}}” (PDF, {{size}})',
  'documents.forPolicy': 'For everyone on policy {{policy}}',
  'documents.certificate.heading': 'Certificate of insurance',
  'documents.certificate.body':
    'You can download a certificate of insurance with today’s details at any time. Whoever receives it can check that it is genuine.',
  'documents.certificate.forPolicy': 'Certificate for policy {{policy}} ({{product}}, PDF)',
  'documents.notFound.title': 'We could not find this document',
  'documents.notFound.body': 'The document does not exist or is not one of yours. Go back to your documents.',
  'documents.size.kb': '{{n}} KB',
  'documents.size.mb': '{{n}} MB',

  'email.newDocument.subject': 'You have a new document at {{brand}}',
  'email.newDocument.body': 'There is a new document in your private area.',
  'email.newDocument.signIn': 'Sign in to your private area to see it.',
  'email.newDocument.button': 'See my documents',
};
