// Messages of the contact slice, in both languages (R20). The English half is typed against the Spanish keys.
export const contactEs = {
  'contact.title': 'Datos de contacto',
  'contact.intro':
    'Mantén al día tu dirección, tu email y tu móvil. Los usamos para escribirte y para enviarte los códigos de verificación.',
  'contact.currentTitle': 'Tus datos actuales',
  'contact.addressLabel': 'Dirección postal',
  'contact.emailLabel': 'Email',
  'contact.mobileLabel': 'Móvil',
  'contact.notGiven': 'Sin indicar',
  'contact.verified': 'Confirmado',
  'contact.unverified': 'Sin confirmar',
  'contact.pending': 'Tienes un cambio pendiente de confirmar.',
  'contact.pendingLink': 'Escribir el código',

  'contact.addressTitle': 'Dirección postal',
  'contact.saveAddress': 'Guardar la dirección',

  'contact.emailTitle': 'Cambiar el email',
  'contact.emailIntro': 'Te enviaremos un código al email nuevo. Tu email no cambiará hasta que escribas ese código.',
  'contact.newEmail': 'Email nuevo',
  'contact.mobileTitle': 'Cambiar el móvil',
  'contact.mobileIntro':
    'Te enviaremos un código por SMS al móvil nuevo. Tu móvil no cambiará hasta que escribas ese código.',
  'contact.newMobile': 'Móvil nuevo',
  'contact.newMobileHint': 'Si no es español, escríbelo con el prefijo de su país, por ejemplo +33 6 12 34 56 78.',
  'contact.password': 'Tu contraseña',
  'contact.passwordHint': 'Por seguridad, te la pedimos otra vez para cambiar el email o el móvil.',
  'contact.sendCode': 'Enviar el código',
  'contact.removeTitle': 'Quitar el móvil',
  'contact.removeIntro': 'Dejarás de recibir SMS; los códigos de verificación te llegarán por email.',
  'contact.removeIntroSms':
    'Ahora eliges recibir los códigos de verificación por SMS. Si quitas el móvil, te llegarán por email.',
  'contact.remove': 'Quitar el móvil',

  'contact.done.address': 'Hemos guardado tu dirección.',
  'contact.done.email': 'Tu email se ha cambiado y queda confirmado. Hemos avisado también a tu email anterior.',
  'contact.done.mobile': 'Tu móvil se ha cambiado y queda confirmado.',
  'contact.done.removed': 'Hemos quitado tu móvil. Los códigos de verificación te llegarán por email.',
  'contact.restart.expired':
    'El cambio ha caducado sin confirmarse. Si aún quieres hacerlo, empieza de nuevo: te enviaremos otro código.',
  'contact.restart.codeExpired':
    'El código ha caducado: solo vale 10 minutos. Si aún quieres hacer el cambio, vuelve a pedirlo abajo y te enviaremos otro.',
  'contact.restart.exhausted':
    'Has escrito un código incorrecto demasiadas veces y lo hemos anulado. Si aún quieres hacer el cambio, vuelve a pedirlo abajo.',
  'contact.restart.replaced':
    'Este código ya no vale: se ha pedido otro cambio después. Si aún quieres hacerlo, vuelve a pedirlo abajo.',
  'contact.passwordLocked':
    'Has escrito mal la contraseña demasiadas veces. Por seguridad, espera una hora antes de volver a intentarlo.',
  'contact.sendLimit': 'Hemos enviado demasiados códigos. Por seguridad, espera una hora antes de pedir otro.',

  'contact.confirmTitle': 'Confirma el cambio',
  'contact.confirmIntroEmail':
    'Te hemos enviado un código de 6 cifras a {{to}}. Escríbelo aquí para confirmar tu email nuevo. Caduca en 10 minutos.',
  'contact.confirmIntroSms':
    'Te hemos enviado un código de 6 cifras por SMS al {{to}}. Escríbelo aquí para confirmar tu móvil nuevo. Caduca en 10 minutos.',
  'contact.code': 'Código de confirmación',
  'contact.codeHint': '6 cifras. Puedes pegarlo.',
  'contact.confirm': 'Confirmar',
  'contact.startAgain':
    '¿No te llega o te has equivocado al escribirlo? Vuelve a tus datos de contacto y empieza de nuevo.',
  'contact.back': 'Volver a tus datos de contacto',

  'field.contact_same_email': 'Ese ya es tu email.',
  'field.contact_same_mobile': 'Ese ya es tu móvil.',
  'field.postal_code_country': 'Revisa el código postal: no tiene la forma de los de ese país ({{country}}).',

  'email.contactCode.subject': '{{code}} es tu código para confirmar tu email en {{brand}}',
  'email.contactCode.intro':
    'Has pedido usar esta dirección como email de tu área privada. Para confirmarla, escribe este código:',
  'email.contactCode.valid': 'Caduca en 10 minutos y solo se puede usar una vez.',
  'email.contactCode.notYou':
    'Si no lo has pedido tú, ignora este email: no cambiaremos nada. Nunca te pediremos este código por teléfono.',
  'sms.contactCode':
    '{{brand}}: tu código para confirmar este móvil es {{code}}. Caduca en 10 minutos. No se lo digas a nadie.',
  'email.emailChanged.subject': 'Se ha cambiado el email de tu cuenta de {{brand}}',
  'email.emailChanged.body':
    'El email de tu área privada se ha cambiado a {{email}}. A partir de ahora te escribiremos allí y ya no recibirás mensajes en esta dirección.',
  'email.mobileChanged.subject': 'Se ha cambiado el móvil de tu cuenta de {{brand}}',
  'email.mobileChanged.body':
    'El móvil de tu área privada se ha cambiado al {{mobile}}. Los SMS con códigos de verificación irán a ese número.',
  'email.mobileRemoved.subject': 'Se ha quitado el móvil de tu cuenta de {{brand}}',
  'email.mobileRemoved.body':
    'Se ha quitado el móvil de tu área privada. Los códigos de verificación te llegarán por email.',
  'email.contactChanged.notYou': 'Si no has sido tú, escríbenos cuanto antes a {{email}}.',
} as const;

export const contactEn: Record<keyof typeof contactEs, string> = {
  'contact.title': 'Contact details',
  'contact.intro':
    'Keep your address, email and mobile up to date. We use them to write to you and to send your verification codes.',
  'contact.currentTitle': 'Your current details',
  'contact.addressLabel': 'Postal address',
  'contact.emailLabel': 'Email',
  'contact.mobileLabel': 'Mobile',
  'contact.notGiven': 'Not given',
  'contact.verified': 'Confirmed',
  'contact.unverified': 'Not confirmed',
  'contact.pending': 'You have a change waiting to be confirmed.',
  'contact.pendingLink': 'Enter the code',

  'contact.addressTitle': 'Postal address',
  'contact.saveAddress': 'Save the address',

  'contact.emailTitle': 'Change your email',
  'contact.emailIntro': 'We will send a code to the new email. Your email will not change until you enter that code.',
  'contact.newEmail': 'New email',
  'contact.mobileTitle': 'Change your mobile',
  'contact.mobileIntro':
    'We will text a code to the new mobile. Your mobile will not change until you enter that code.',
  'contact.newMobile': 'New mobile',
  'contact.newMobileHint': 'If it is not Spanish, include its country code, for example +33 6 12 34 56 78.',
  'contact.password': 'Your password',
  'contact.passwordHint': 'For your security, we ask for it again to change your email or mobile.',
  'contact.sendCode': 'Send the code',
  'contact.removeTitle': 'Remove your mobile',
  'contact.removeIntro': 'You will stop getting text messages; your verification codes will come by email.',
  'contact.removeIntroSms':
    'You currently get your verification codes by text message. If you remove your mobile, they will come by email.',
  'contact.remove': 'Remove my mobile',

  'contact.done.address': 'Your address has been saved.',
  'contact.done.email': 'Your email has been changed and confirmed. We have also told your previous email.',
  'contact.done.mobile': 'Your mobile has been changed and confirmed.',
  'contact.done.removed': 'Your mobile has been removed. Your verification codes will come by email.',
  'contact.restart.expired':
    'The change expired before it was confirmed. If you still want to make it, start again and we will send you another code.',
  'contact.restart.codeExpired':
    'The code has expired: it only lasts 10 minutes. If you still want to make the change, ask for it again below and we will send you another one.',
  'contact.restart.exhausted':
    'A wrong code was entered too many times, so we have cancelled it. If you still want to make the change, ask for it again below.',
  'contact.restart.replaced':
    'This code no longer works because another change was asked for after it. If you still want to make it, ask for it again below.',
  'contact.passwordLocked':
    'The password was entered wrongly too many times. For your security, please wait an hour before trying again.',
  'contact.sendLimit': 'We have sent too many codes. For your security, please wait an hour before asking for another.',

  'contact.confirmTitle': 'Confirm the change',
  'contact.confirmIntroEmail':
    'We have sent a 6-digit code to {{to}}. Enter it here to confirm your new email. It expires in 10 minutes.',
  'contact.confirmIntroSms':
    'We have texted a 6-digit code to {{to}}. Enter it here to confirm your new mobile. It expires in 10 minutes.',
  'contact.code': 'Confirmation code',
  'contact.codeHint': '6 digits. You can paste it.',
  'contact.confirm': 'Confirm',
  'contact.startAgain': 'Not arrived, or typed it wrongly? Go back to your contact details and start again.',
  'contact.back': 'Back to your contact details',

  'field.contact_same_email': 'That is already your email.',
  'field.contact_same_mobile': 'That is already your mobile.',
  'field.postal_code_country': 'Check the postal code: it does not look like one of that country ({{country}}).',

  'email.contactCode.subject': '{{code}} is your code to confirm your email with {{brand}}',
  'email.contactCode.intro':
    'You asked to use this address as the email of your private area. To confirm it, enter this code:',
  'email.contactCode.valid': 'It expires in 10 minutes and can be used only once.',
  'email.contactCode.notYou':
    'If you did not ask for this, ignore this email: nothing will change. We will never ask you for this code by phone.',
  'sms.contactCode':
    '{{brand}}: your code to confirm this mobile is {{code}}. It expires in 10 minutes. Do not share it.',
  'email.emailChanged.subject': 'The email of your {{brand}} account has been changed',
  'email.emailChanged.body':
    'The email of your private area has been changed to {{email}}. From now on we will write to you there, and this address will no longer get our messages.',
  'email.mobileChanged.subject': 'The mobile of your {{brand}} account has been changed',
  'email.mobileChanged.body':
    'The mobile of your private area has been changed to {{mobile}}. Text messages with verification codes will go to that number.',
  'email.mobileRemoved.subject': 'The mobile has been removed from your {{brand}} account',
  'email.mobileRemoved.body':
    'The mobile has been removed from your private area. Your verification codes will come by email.',
  'email.contactChanged.notYou': 'If this was not you, write to us straight away at {{email}}.',
};
