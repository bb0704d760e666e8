// Messages of the security slice, in both languages (R20). The English half is typed against the Spanish keys.
export const securityEs = {
  'security.title': 'Seguridad de tu cuenta',
  'security.intro':
    'Desde aquí puedes cambiar tu contraseña, elegir cómo recibir el código del segundo paso y ver en qué dispositivos tienes la sesión abierta.',
  'security.back': 'Volver a la seguridad de tu cuenta',

  'security.done.sessionEnded': 'Hemos cerrado esa sesión. Ese dispositivo tendrá que volver a identificarse.',
  'security.done.sessionGone': 'Esa sesión ya estaba cerrada.',
  'security.done.othersEnded': 'Hemos cerrado todas tus sesiones en otros dispositivos. Esta sigue abierta.',
  'security.done.channelSaved': 'Hemos guardado cómo prefieres recibir el código del segundo paso.',
  'security.done.totpEnabled':
    'Tu aplicación de autenticación ya está activada. Puedes usarla en el segundo paso al entrar.',
  'security.done.totpRemoved': 'Hemos quitado la aplicación de autenticación de tu cuenta.',

  'security.password.heading': 'Contraseña',
  'security.password.body':
    'Cámbiala si crees que alguien más la conoce. Al cambiarla, se cierran tus sesiones en otros dispositivos.',
  'security.password.link': 'Cambiar la contraseña',

  'security.channel.heading': 'Verificación en dos pasos',
  'security.channel.body':
    'Después de tu contraseña te pedimos un código. Elige dónde prefieres recibirlo; al entrar siempre podrás cambiar de opción.',
  'security.channel.legend': 'Quiero recibir el código',
  'security.channel.email': 'Por email, en {{to}}',
  'security.channel.sms': 'Por SMS, en el {{to}}',
  'security.channel.totp': 'Con mi aplicación de autenticación',
  'security.channel.noMobile': 'Para recibir el código por SMS, añade un móvil en tus datos de contacto.',
  'security.channel.save': 'Guardar mi preferencia',

  'security.totp.heading': 'Aplicación de autenticación',
  'security.totp.off':
    'No tienes ninguna aplicación de autenticación configurada. Con una (por ejemplo, Google Authenticator, Microsoft Authenticator o FreeOTP) obtienes el código en tu móvil sin esperar a un email o un SMS, incluso sin cobertura.',
  'security.totp.on': 'Activada desde el {{date}}.',
  'security.totp.setUp': 'Configurar una aplicación de autenticación',
  'security.totp.removeLegend': 'Quitar la aplicación de autenticación',
  'security.totp.removeHint':
    'Por seguridad, escribe tu contraseña actual. Después recibirás el código por email o SMS.',
  'security.totp.password': 'Contraseña actual',
  'security.totp.remove': 'Quitar la aplicación',

  'security.enrol.title': 'Configurar una aplicación de autenticación',
  'security.enrol.restart':
    'El tiempo para terminar la configuración se agotó. Hemos creado un código nuevo: escanéalo de nuevo con tu aplicación.',
  'security.enrol.tooMany':
    'Has escrito demasiados códigos erróneos. Hemos creado un código nuevo: escanéalo de nuevo con tu aplicación.',
  'security.enrol.step1': 'Abre tu aplicación de autenticación y elige añadir una cuenta.',
  'security.enrol.step2': 'Escanea este código QR con la cámara del móvil.',
  'security.enrol.qrAlt': 'Código QR para añadir tu cuenta de {{brand}} a la aplicación de autenticación',
  'security.enrol.manual': 'Si no puedes escanearlo, elige introducir la clave a mano y escribe esta:',
  'security.enrol.manualHint': 'La clave es de tipo «basada en el tiempo», de 6 cifras, cada 30 segundos.',
  'security.enrol.step3': 'Escribe el código de 6 cifras que muestra ahora la aplicación para confirmar que funciona.',
  'security.enrol.code': 'Código de la aplicación',
  'security.enrol.codeHint': '6 cifras, sin espacios.',
  'security.enrol.passwordHint': 'Te la pedimos de nuevo porque la aplicación servirá para entrar en tu cuenta.',
  'security.enrol.confirm': 'Activar la aplicación',
  'security.enrol.cancel': 'Cancelar y volver',

  'security.sessions.heading': 'Sesiones abiertas',
  'security.sessions.body':
    'Estos son los dispositivos con tu sesión abierta ahora. Si no reconoces alguno, ciérralo y cambia tu contraseña.',
  'security.sessions.current': 'Este dispositivo',
  'security.sessions.address': 'Dirección de red',
  'security.sessions.started': 'Inicio de la sesión',
  'security.sessions.lastUse': 'Último uso',
  'security.sessions.unknownAddress': 'Desconocida',
  'security.sessions.endLabel': 'Cerrar la sesión de {{device}}',
  'security.sessions.endOthers': 'Cerrar todas las demás sesiones',
  'security.sessions.onlyThis': 'No tienes la sesión abierta en ningún otro dispositivo.',
  'security.endOthers.title': '¿Cerrar la sesión en los demás dispositivos?',
  'security.endOthers.leadOne': 'Vas a cerrar la sesión en este otro dispositivo:',
  'security.endOthers.leadMany': 'Vas a cerrar la sesión en estos {{count}} dispositivos:',
  'security.endOthers.after':
    'Quien los use tendrá que volver a entrar con tu contraseña y el segundo paso. Este dispositivo sigue con la sesión abierta. Si no reconoces alguno, cambia también tu contraseña.',
  'security.endOthers.confirmOne': 'Cerrar esa sesión',
  'security.endOthers.confirmMany': 'Cerrar las {{count}} sesiones',
  'security.endOthers.cancel': 'No, volver',

  'security.device.both': '{{browser}} en {{os}}',
  'security.device.unknown': 'Navegador desconocido',

  'security.forbidden.title': 'No puedes cerrar esa sesión',
  'security.forbidden.body': 'Esa sesión no pertenece a tu cuenta o no existe. No hemos cambiado nada.',

  'field.channel_unavailable': 'Elige una de las opciones de la lista.',
  'field.totp_code_wrong': 'El código no es correcto. Escribe las 6 cifras que muestra ahora tu aplicación.',
  'field.password_tries': 'Has escrito una contraseña errónea demasiadas veces. Inténtalo de nuevo dentro de una hora.',

  'email.totp.subject': 'Cambios en la verificación en dos pasos de tu cuenta de {{brand}}',
  'email.totp.enabled': 'Se ha activado una aplicación de autenticación para el segundo paso de tu área privada.',
  'email.totp.removed':
    'Se ha quitado la aplicación de autenticación de tu área privada. El código te llegará por email o por SMS.',
  'email.totp.notYou': 'Si no has sido tú, cambia tu contraseña y escríbenos cuanto antes a {{email}}.',
} as const;

export const securityEn: Record<keyof typeof securityEs, string> = {
  'security.title': 'Account security',
  'security.intro':
    'Here you can change your password, choose how to receive the code for the second step and see which devices are signed in.',
  'security.back': 'Back to account security',

  'security.done.sessionEnded': 'That session has been ended. That device will have to sign in again.',
  'security.done.sessionGone': 'That session had already ended.',
  'security.done.othersEnded': 'All your sessions on other devices have been ended. This one stays open.',
  'security.done.channelSaved': 'We have saved how you prefer to receive the code for the second step.',
  'security.done.totpEnabled': 'Your authenticator app is now on. You can use it for the second step when you sign in.',
  'security.done.totpRemoved': 'The authenticator app has been removed from your account.',

  'security.password.heading': 'Password',
  'security.password.body':
    'Change it if you think someone else knows it. Changing it signs you out on your other devices.',
  'security.password.link': 'Change your password',

  'security.channel.heading': 'Two-step verification',
  'security.channel.body':
    'After your password we ask for a code. Choose where you would rather receive it; you can always pick another option when you sign in.',
  'security.channel.legend': 'I want to receive the code',
  'security.channel.email': 'By email, at {{to}}',
  'security.channel.sms': 'By text message, on {{to}}',
  'security.channel.totp': 'With my authenticator app',
  'security.channel.noMobile': 'To receive the code by text message, add a mobile number to your contact details.',
  'security.channel.save': 'Save my choice',

  'security.totp.heading': 'Authenticator app',
  'security.totp.off':
    'You have no authenticator app set up. With one (for example Google Authenticator, Microsoft Authenticator or FreeOTP) you get the code on your phone without waiting for an email or text message, even with no signal.',
  'security.totp.on': 'On since {{date}}.',
  'security.totp.setUp': 'Set up an authenticator app',
  'security.totp.removeLegend': 'Remove the authenticator app',
  'security.totp.removeHint':
    'For your security, enter your current password. Afterwards you will receive the code by email or text message.',
  'security.totp.password': 'Current password',
  'security.totp.remove': 'Remove the app',

  'security.enrol.title': 'Set up an authenticator app',
  'security.enrol.restart':
    'The time to finish the setup ran out. We have made a new code: scan it again with your app.',
  'security.enrol.tooMany': 'Too many wrong codes were entered. We have made a new code: scan it again with your app.',
  'security.enrol.step1': 'Open your authenticator app and choose to add an account.',
  'security.enrol.step2': 'Scan this QR code with your phone’s camera.',
  'security.enrol.qrAlt': 'QR code to add your {{brand}} account to your authenticator app',
  'security.enrol.manual': 'If you cannot scan it, choose to enter a setup key and type this one:',
  'security.enrol.manualHint': 'The key is “time based”, with 6 digits, every 30 seconds.',
  'security.enrol.step3': 'Enter the 6-digit code the app shows now, to confirm it works.',
  'security.enrol.code': 'Code from the app',
  'security.enrol.codeHint': '6 digits, no spaces.',
  'security.enrol.passwordHint': 'We ask for it again because the app will let you into your account.',
  'security.enrol.confirm': 'Turn on the app',
  'security.enrol.cancel': 'Cancel and go back',

  'security.sessions.heading': 'Signed-in devices',
  'security.sessions.body':
    'These are the devices where you are signed in right now. If you do not recognise one, sign it out and change your password.',
  'security.sessions.current': 'This device',
  'security.sessions.address': 'Network address',
  'security.sessions.started': 'Signed in',
  'security.sessions.lastUse': 'Last used',
  'security.sessions.unknownAddress': 'Unknown',
  'security.sessions.endLabel': 'Sign out the session on {{device}}',
  'security.sessions.endOthers': 'Sign out all other sessions',
  'security.sessions.onlyThis': 'You are not signed in on any other device.',
  'security.endOthers.title': 'Sign out your other devices?',
  'security.endOthers.leadOne': 'You are about to sign out this other device:',
  'security.endOthers.leadMany': 'You are about to sign out these {{count}} devices:',
  'security.endOthers.after':
    'Whoever uses them will have to sign in again with your password and the second step. This device stays signed in. If you do not recognise one of them, change your password as well.',
  'security.endOthers.confirmOne': 'Sign it out',
  'security.endOthers.confirmMany': 'Sign out all {{count}}',
  'security.endOthers.cancel': 'No, go back',

  'security.device.both': '{{browser}} on {{os}}',
  'security.device.unknown': 'Unknown browser',

  'security.forbidden.title': 'You cannot end that session',
  'security.forbidden.body':
    'That session does not belong to your account or does not exist. Nothing has been changed.',

  'field.channel_unavailable': 'Choose one of the options in the list.',
  'field.totp_code_wrong': 'The code is not correct. Enter the 6 digits your app shows now.',
  'field.password_tries': 'A wrong password was entered too many times. Try again in an hour.',

  'email.totp.subject': 'Changes to two-step verification on your {{brand}} account',
  'email.totp.enabled': 'An authenticator app has been turned on for the second step of your private area.',
  'email.totp.removed':
    'The authenticator app has been removed from your private area. The code will reach you by email or text message.',
  'email.totp.notYou': 'If this was not you, change your password and write to us at {{email}} as soon as possible.',
};
