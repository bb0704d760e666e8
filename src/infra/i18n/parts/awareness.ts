// Messages of sign-in awareness (R28): the new-device email, "this wasn't me" and the sign-in history, in both
// languages (R20). The English half is typed against the Spanish keys.
export const awarenessEs = {
  'email.newDevice.subject': 'Nuevo acceso a tu Área Privada de Asegurado de {{brand}}',
  'email.newDevice.intro':
    'Se ha entrado en tu Área Privada de Asegurado desde un dispositivo que no habíamos visto antes en tu cuenta.',
  'email.newDevice.when': 'Cuándo',
  'email.newDevice.device': 'Navegador y sistema',
  'email.newDevice.place': 'Lugar aproximado',
  'email.newDevice.ifYou': 'Si has sido tú, no tienes que hacer nada.',
  'email.newDevice.ifNotYou':
    'Si no has sido tú, alguien conoce tu contraseña y ha superado la verificación en dos pasos. Usa este enlace: cerraremos todas las sesiones abiertas de tu cuenta y te enviaremos otro email para crear una contraseña nueva.',
  'email.newDevice.cta': 'No he sido yo',
  'email.newDevice.valid':
    'El enlace sirve una sola vez durante 7 días. Antes de hacer nada te pediremos que lo confirmes.',
  'email.newDevice.support': 'Si tienes dudas, escríbenos a {{email}}.',

  'awareness.place.network': 'País desconocido (red {{network}})',
  'awareness.place.unknown': 'Desconocido',

  'notMe.confirm.title': '¿No reconoces este acceso?',
  'notMe.confirm.body':
    'Si pulsas el botón, cerraremos todas las sesiones abiertas de tu cuenta, en cualquier dispositivo, quitaremos sus llaves de acceso (passkeys) y te enviaremos un email con un enlace para crear una contraseña nueva.',
  'notMe.confirm.button': 'Cerrar todas las sesiones y cambiar la contraseña',
  'notMe.confirm.ifYou': 'Si el acceso lo hiciste tú, no tienes que hacer nada: puedes cerrar esta página.',
  'notMe.done.title': 'Hemos cerrado todas las sesiones de tu cuenta',
  'notMe.done.body':
    'Nadie sigue dentro de tu Área Privada de Asegurado: hemos cerrado todas las sesiones de tu cuenta, también la de quien entró sin tu permiso, y hemos quitado sus llaves de acceso por si esa persona añadió una. Cuando vuelvas a entrar, puedes crear las tuyas de nuevo.',
  'notMe.done.nextHeading': 'Qué hacer ahora',
  'notMe.done.email':
    'Te hemos enviado un email con un enlace para crear una contraseña nueva. Úsalo cuanto antes: caduca en 24 horas y sirve una sola vez. Mientras no la cambies, quien conozca tu contraseña podría volver a intentarlo, aunque seguiría necesitando el código de verificación.',
  'notMe.done.elsewhere': 'Si usas esa misma contraseña en otras webs o aplicaciones, cámbiala también allí.',
  'notMe.done.channels':
    'Comprueba que solo tú puedes leer tu email y tu móvil: ahí te llega el código de verificación.',
  'notMe.done.support': 'Si no te llega el email o quieres contarnos lo ocurrido, escríbenos a {{email}}.',
  'notMe.done.phone': 'También puedes llamarnos al {{phone}}.',
  'notMe.done.signIn': 'Ir a la página de acceso',
  'notMe.invalid.title': 'Este enlace ya no sirve',
  'notMe.invalid.body':
    'El enlace ha caducado, ya se usó o no es correcto. Si ya lo usaste, tus sesiones están cerradas y te enviamos un email para crear una contraseña nueva. Si aún no reconoces un acceso, crea una contraseña nueva desde aquí.',
  'notMe.invalid.action': 'Crear una contraseña nueva',

  'history.heading': 'Últimos accesos',
  'history.body': 'Los últimos {{count}} accesos e intentos de acceso a tu cuenta, del más reciente al más antiguo.',
  'history.empty': 'Todavía no hay accesos que mostrar.',
  'history.device': 'Navegador y sistema',
  'history.place': 'Lugar aproximado',
  'history.factor': 'Cómo',
  'history.outcome': 'Resultado',
  'history.factor.password': 'Contraseña',
  'history.factor.email': 'Código de verificación por email',
  'history.factor.emailLink': 'Enlace enviado por email',
  'history.factor.sms': 'Código de verificación por SMS',
  'history.factor.totp': 'Aplicación de autenticación',
  'history.factor.passkey': 'Llave de acceso',
  'history.factor.other': 'Otro',
  'history.outcome.success': 'Acceso correcto',
  'history.outcome.wrongPassword': 'Contraseña incorrecta',
  'history.outcome.wrongCode': 'Código incorrecto',
  'history.outcome.expiredCode': 'Código caducado',
  'history.outcome.refused': 'Rechazado: el acceso estaba pausado o limitado',
  'history.outcome.disabled': 'Rechazado: la cuenta está desactivada',
  'history.outcome.locked': 'Acceso pausado 15 minutos tras demasiados intentos fallidos',
  'history.outcome.failure': 'Fallido',
  'history.notMe.heading': '¿Ves algún acceso que no reconoces?',
  'history.notMe.body':
    'Cerraremos todas las sesiones de tu cuenta, también esta, quitaremos sus llaves de acceso y te enviaremos un email para crear una contraseña nueva.',
  'history.notMe.button': 'No he sido yo',
} as const;

export const awarenessEn: Record<keyof typeof awarenessEs, string> = {
  'email.newDevice.subject': 'New sign-in to your {{brand}} member area',
  'email.newDevice.intro':
    'Someone signed in to your member area from a device we had not seen on your account before.',
  'email.newDevice.when': 'When',
  'email.newDevice.device': 'Browser and system',
  'email.newDevice.place': 'Approximate place',
  'email.newDevice.ifYou': 'If it was you, there is nothing to do.',
  'email.newDevice.ifNotYou':
    'If it was not you, someone knows your password and got through two-step verification. Use this link: we will end every open session of your account and send you another email to set a new password.',
  'email.newDevice.cta': 'It was not me',
  'email.newDevice.valid': 'The link works once, for 7 days. We will ask you to confirm before doing anything.',
  'email.newDevice.support': 'If you have any questions, write to us at {{email}}.',

  'awareness.place.network': 'Unknown country (network {{network}})',
  'awareness.place.unknown': 'Unknown',

  'notMe.confirm.title': 'Don’t recognise this sign-in?',
  'notMe.confirm.body':
    'If you press the button, we will end every open session of your account, on any device, remove its passkeys and email you a link to set a new password.',
  'notMe.confirm.button': 'End every session and change my password',
  'notMe.confirm.ifYou': 'If the sign-in was yours, there is nothing to do: you can close this page.',
  'notMe.done.title': 'We have ended every session of your account',
  'notMe.done.body':
    'Nobody is still inside your member area: we have ended every session of your account, including that of whoever signed in without your permission, and removed its passkeys in case that person added one. Once you are back in, you can create yours again.',
  'notMe.done.nextHeading': 'What to do now',
  'notMe.done.email':
    'We have emailed you a link to set a new password. Use it soon: it expires in 24 hours and works once. Until you change it, whoever knows your password could try again, though they would still need the verification code.',
  'notMe.done.elsewhere': 'If you use the same password on other websites or apps, change it there too.',
  'notMe.done.channels':
    'Make sure only you can read your email and your mobile: that is where your verification code goes.',
  'notMe.done.support': 'If the email does not arrive, or you want to tell us what happened, write to us at {{email}}.',
  'notMe.done.phone': 'You can also call us on {{phone}}.',
  'notMe.done.signIn': 'Go to the sign-in page',
  'notMe.invalid.title': 'This link no longer works',
  'notMe.invalid.body':
    'The link has expired, has been used already or is not right. If you used it already, your sessions are ended and we emailed you a link to set a new password. If you still do not recognise a sign-in, set a new password from here.',
  'notMe.invalid.action': 'Set a new password',

  'history.heading': 'Recent sign-ins',
  'history.body': 'The last {{count}} sign-ins and sign-in attempts on your account, newest first.',
  'history.empty': 'There are no sign-ins to show yet.',
  'history.device': 'Browser and system',
  'history.place': 'Approximate place',
  'history.factor': 'How',
  'history.outcome': 'Result',
  'history.factor.password': 'Password',
  'history.factor.email': 'Verification code by email',
  'history.factor.emailLink': 'Link sent by email',
  'history.factor.sms': 'Verification code by SMS',
  'history.factor.totp': 'Authenticator app',
  'history.factor.passkey': 'Passkey',
  'history.factor.other': 'Other',
  'history.outcome.success': 'Signed in',
  'history.outcome.wrongPassword': 'Wrong password',
  'history.outcome.wrongCode': 'Wrong code',
  'history.outcome.expiredCode': 'Expired code',
  'history.outcome.refused': 'Refused: sign-in was paused or limited',
  'history.outcome.disabled': 'Refused: the account is disabled',
  'history.outcome.locked': 'Sign-in paused for 15 minutes after too many failed attempts',
  'history.outcome.failure': 'Failed',
  'history.notMe.heading': 'See a sign-in you don’t recognise?',
  'history.notMe.body':
    'We will end every session of your account, this one included, remove its passkeys and email you a link to set a new password.',
  'history.notMe.button': 'It was not me',
};
