// Messages of the certificate of insurance and its public verification page (R32), in both languages (R20). The
// English half is typed against the Spanish keys.
export const certificateEs = {
  'certificate.link': 'Descargar el certificado de seguro (PDF)',
  'certificate.limited.title': 'Ya has pedido muchos certificados',
  'certificate.limited.body':
    'Has descargado muchos certificados en poco tiempo. Usa uno de los que ya tienes o vuelve a intentarlo dentro de una hora.',
  'certificate.none.title': 'No hay ninguna póliza para certificar',
  'certificate.none.body': 'Esta cuenta no tiene ninguna póliza asociada, así que no podemos emitir un certificado.',
  'certificate.pdf.title': 'Certificado de seguro',
  'certificate.pdf.subject': 'Certificado de seguro de la póliza {{policy}}',
  'certificate.pdf.intro': '{{brand}} certifica que la persona indicada está asegurada en la póliza que se detalla.',
  'certificate.pdf.name': 'Nombre y apellidos',
  'certificate.pdf.document': 'Documento de identidad',
  'certificate.pdf.noDocument': 'No consta',
  'certificate.pdf.memberNumber': 'Número de asegurado',
  'certificate.pdf.policyNumber': 'Número de póliza',
  'certificate.pdf.product': 'Producto',
  'certificate.pdf.status': 'Estado de la póliza',
  'certificate.pdf.active': 'En vigor',
  'certificate.pdf.cancelled': 'Anulada',
  'certificate.pdf.start': 'Inicio de la cobertura',
  'certificate.pdf.end': 'Fin de la cobertura',
  'certificate.pdf.noEnd': 'Sin fecha de fin',
  'certificate.pdf.issued': 'Fecha de emisión',
  'certificate.pdf.verifyHeading': 'Cómo comprobar este certificado',
  'certificate.pdf.verifyBody':
    'Cualquiera puede comprobar que este certificado es auténtico y si la cobertura sigue en vigor el día que lo consulte, en esta dirección o con el código QR:',
  'certificate.pdf.qrAlt': 'Código QR con la dirección de verificación {{url}}',
  'certificate.pdf.note':
    'La página de verificación muestra solo las iniciales del nombre, el producto y las fechas. Deja de confirmar la cobertura si la póliza se anula.',

  'verification.title': 'Verificación de certificado',
  'verification.genuine.heading': 'Certificado auténtico: cobertura en vigor hoy',
  'verification.genuine.body':
    'Este certificado lo ha emitido {{brand}} y la cobertura que describe está en vigor hoy, {{today}}.',
  'verification.inactive.heading': 'Certificado auténtico, pero la cobertura no está en vigor hoy',
  'verification.inactive.body':
    'Este certificado lo emitió {{brand}}, pero hoy, {{today}}, la póliza está anulada o fuera de sus fechas de cobertura. No acredita ningún seguro a día de hoy.',
  'verification.notGenuine.heading': 'Certificado no auténtico',
  'verification.notGenuine.body':
    'Esta dirección no corresponde a ningún certificado emitido por {{brand}}. Comprueba que la has copiado entera o escanea de nuevo el código QR. Si la dirección es correcta, el documento no es auténtico.',
  'verification.initials': 'Persona asegurada (iniciales)',
  'verification.product': 'Producto',
  'verification.start': 'Inicio de la cobertura',
  'verification.end': 'Fin de la cobertura',
  'verification.noEnd': 'Sin fecha de fin',
  'verification.issued': 'Fecha de emisión del certificado',
  'verification.privacy': 'Por privacidad, esta página no muestra más datos de la persona asegurada.',
  'verification.limited.title': 'Demasiadas consultas',
  'verification.limited.body':
    'Se han hecho muchas consultas desde tu conexión. Espera un minuto y vuelve a intentarlo.',
} as const;

export const certificateEn: Record<keyof typeof certificateEs, string> = {
  'certificate.link': 'Download the certificate of insurance (PDF)',
  'certificate.limited.title': 'You have asked for many certificates',
  'certificate.limited.body':
    'You have downloaded many certificates in a short time. Use one you already have, or try again in an hour.',
  'certificate.none.title': 'There is no policy to certify',
  'certificate.none.body': 'This account has no policy, so we cannot issue a certificate.',
  'certificate.pdf.title': 'Certificate of insurance',
  'certificate.pdf.subject': 'Certificate of insurance for policy {{policy}}',
  'certificate.pdf.intro': '{{brand}} certifies that the person named below is insured under the policy described.',
  'certificate.pdf.name': 'Full name',
  'certificate.pdf.document': 'Identity document',
  'certificate.pdf.noDocument': 'Not on record',
  'certificate.pdf.memberNumber': 'Member number',
  'certificate.pdf.policyNumber': 'Policy number',
  'certificate.pdf.product': 'Product',
  'certificate.pdf.status': 'Policy status',
  'certificate.pdf.active': 'In force',
  'certificate.pdf.cancelled': 'Cancelled',
  'certificate.pdf.start': 'Cover starts',
  'certificate.pdf.end': 'Cover ends',
  'certificate.pdf.noEnd': 'No end date',
  'certificate.pdf.issued': 'Date of issue',
  'certificate.pdf.verifyHeading': 'How to check this certificate',
  'certificate.pdf.verifyBody':
    'Anyone can check that this certificate is genuine, and whether the cover is still in force on the day they look, at this address or with the QR code:',
  'certificate.pdf.qrAlt': 'QR code of the verification address {{url}}',
  'certificate.pdf.note':
    'The verification page shows only the name’s initials, the product and the dates. It stops confirming the cover if the policy is cancelled.',

  'verification.title': 'Certificate verification',
  'verification.genuine.heading': 'Genuine certificate: cover in force today',
  'verification.genuine.body':
    'This certificate was issued by {{brand}} and the cover it describes is in force today, {{today}}.',
  'verification.inactive.heading': 'Genuine certificate, but the cover is not in force today',
  'verification.inactive.body':
    'This certificate was issued by {{brand}}, but today, {{today}}, the policy is cancelled or outside its cover dates. It proves no insurance as of today.',
  'verification.notGenuine.heading': 'Not a genuine certificate',
  'verification.notGenuine.body':
    'This address does not belong to any certificate issued by {{brand}}. Check that you copied all of it, or scan the QR code again. If the address is right, the document is not genuine.',
  'verification.initials': 'Insured person (initials)',
  'verification.product': 'Product',
  'verification.start': 'Cover starts',
  'verification.end': 'Cover ends',
  'verification.noEnd': 'No end date',
  'verification.issued': 'Certificate issued on',
  'verification.privacy': 'For privacy, this page shows nothing more about the insured person.',
  'verification.limited.title': 'Too many checks',
  'verification.limited.body': 'Many checks have come from your connection. Wait a minute and try again.',
};
