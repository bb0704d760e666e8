// Messages of passkeys (R27), in both languages (R20). "Llave de acceso" is the Spanish name the platforms use.
export const passkeysEs = {
  'passkey.heading': 'Llaves de acceso (passkeys)',
  'passkey.body':
    'Con una llave de acceso entras con la huella, la cara o el PIN de tu dispositivo, sin contraseña ni código de verificación. Se guarda en tu móvil, tu ordenador o tu llave de seguridad y solo sirve para esta web.',
  'passkey.none': 'Todavía no tienes ninguna llave de acceso.',
  'passkey.added': 'Añadida: {{date}}',
  'passkey.lastUsed': 'Último uso: {{date}}',
  'passkey.neverUsed': 'Último uso: todavía no la has usado',
  'passkey.synced': 'Se sincroniza entre tus dispositivos.',
  'passkey.rename.label': 'Nombre de la llave',
  'passkey.rename.submit': 'Guardar el nombre',
  'passkey.remove.legend': 'Quitar la llave «{{name}}»',
  'passkey.remove.password': 'Tu contraseña actual',
  'passkey.remove.submit': 'Quitar esta llave',
  'passkey.add.legend': 'Añadir una llave de acceso',
  'passkey.add.name': 'Nombre de la llave (opcional)',
  'passkey.add.nameHint': 'Para reconocerla luego, por ejemplo «Móvil» o «Portátil de casa».',
  'passkey.add.password': 'Tu contraseña actual',
  'passkey.add.passwordHint': 'Te la pedimos otra vez porque la llave será una forma más de entrar en tu cuenta.',
  'passkey.add.submit': 'Continuar',
  'passkey.unsupported':
    'Este navegador no puede usar llaves de acceso, o tiene JavaScript desactivado. Puedes seguir entrando con tu contraseña y un código de verificación.',
  'passkey.defaultName': 'Llave de acceso',

  'passkey.enrol.title': 'Crea tu llave de acceso',
  'passkey.enrol.body':
    'Pulsa el botón y sigue las indicaciones de tu dispositivo: te pedirá la huella, la cara, el PIN o que toques tu llave de seguridad.',
  'passkey.enrol.submit': 'Crear la llave de acceso',
  'passkey.enrol.cancel': 'Volver sin crearla',

  'passkey.msg.waiting': 'Sigue las indicaciones de tu dispositivo…',
  'passkey.msg.cancelled': 'No se ha completado. Puedes intentarlo de nuevo o entrar de otra forma.',
  'passkey.msg.refused': 'No hemos podido empezar. Recarga la página e inténtalo de nuevo.',

  'passkey.done.added': 'Hemos guardado tu llave de acceso. La próxima vez podrás entrar con ella.',
  'passkey.done.renamed': 'Hemos cambiado el nombre de la llave de acceso.',
  'passkey.done.removed': 'Hemos quitado la llave de acceso de tu cuenta.',
  'passkey.done.restart': 'La creación de la llave caducó o ya se usó. Empieza de nuevo.',

  'field.passkey_failed':
    'Tu dispositivo no ha creado la llave de acceso, o su respuesta no es válida. Inténtalo de nuevo.',
  'field.passkey_limit': 'Ya tienes {{max}} llaves de acceso. Quita alguna antes de añadir otra.',
  'field.passkey_name': 'Escribe un nombre de hasta {{max}} caracteres.',
  'field.passkey_not_found': 'Esa llave de acceso ya no existe.',

  'passkey.signIn.heading': 'Entrar con una llave de acceso',
  'passkey.signIn.body':
    'Si ya creaste una llave de acceso en tu área privada, entra con ella sin escribir tu documento ni tu contraseña.',
  'passkey.signIn.submit': 'Entrar con una llave de acceso',
  'passkey.signIn.failed':
    'No hemos podido comprobar esa llave de acceso. Inténtalo de nuevo o entra con tu documento y tu contraseña.',
  'passkey.signIn.unknown':
    'Esa llave de acceso no está registrada en ninguna cuenta (quizá la quitaste). Entra con tu documento y tu contraseña.',
  'passkey.signIn.expired': 'Ha pasado demasiado tiempo desde que pulsaste el botón. Vuelve a intentarlo.',

  'verify.byPasskey': 'Con una de mis llaves de acceso',
  'verify.switchPasskey': 'Usar una llave de acceso',
  'passkey.step.intro':
    'Pulsa el botón y usa la llave de acceso que creaste para esta web en tu móvil, tu ordenador o tu llave de seguridad.',
  'passkey.step.submit': 'Usar mi llave de acceso',
  'passkey.step.failed':
    'No hemos podido comprobar la llave de acceso. Inténtalo de nuevo o elige otra forma de verificación.',

  'email.passkey.subject': 'Cambio en las formas de entrar a tu cuenta de {{brand}}',
  'email.passkey.added':
    'Se ha añadido la llave de acceso «{{name}}» a tu cuenta. Con ella se puede entrar sin contraseña.',
  'email.passkey.removed': 'Se ha quitado la llave de acceso «{{name}}» de tu cuenta.',
  'email.passkey.removedByStaff':
    'Nuestro servicio de atención al cliente ha quitado la llave de acceso «{{name}}» de tu cuenta.',
  'email.passkey.notYou':
    'Si no has sido tú ni lo has pedido, crea una contraseña nueva desde «¿Olvidaste tu contraseña?» y escríbenos a {{email}}.',
  'email.passkey.ifNotYouAdded':
    'Si no has sido tú, alguien ha entrado en tu cuenta y podría volver a entrar con esa llave aunque cambies la contraseña. Usa este enlace: quitaremos todas las llaves de acceso de tu cuenta, cerraremos todas sus sesiones y te enviaremos otro email para crear una contraseña nueva.',

  'bo.nav.passkeys': 'Llaves de acceso',
  'bo.passkeys.title': 'Tus llaves de acceso',
  'bo.passkeys.intro':
    'Una llave de acceso puede sustituir al código de tu aplicación de autenticación en el segundo paso. La aplicación sigue activa: la necesitarás si pierdes la llave.',
  'bo.passkeys.mine': 'Tus llaves',
  'bo.passkeys.add': 'Añadir una llave de acceso',
  'bo.passkeys.password': 'Tu contraseña actual',
  'bo.passkeys.continue': 'Continuar',
  'bo.passkeys.removeSubmit': 'Quitar esta llave',
  'bo.passkeys.done.added': 'Llave de acceso guardada. Podrás usarla en el segundo paso.',
  'bo.passkeys.done.removed': 'Llave de acceso quitada.',
  'bo.passkeys.signInHeading': 'O usa una llave de acceso',
  'bo.passkeys.heading': 'Llaves de acceso',
  'bo.passkeys.none': 'Sin llaves de acceso.',
  'bo.passkeys.name': 'Nombre',
  'bo.passkeys.created': 'Añadida',
  'bo.passkeys.lastUsed': 'Último uso',
  'bo.passkeys.never': 'Nunca',
  'bo.passkeys.remove': 'Quitar la llave «{{name}}»',
  'bo.passkeys.reason': 'Motivo',
  'bo.passkeys.removed': 'Llave de acceso quitada. El asegurado ha recibido un email.',
} as const;

export const passkeysEn: Record<keyof typeof passkeysEs, string> = {
  'passkey.heading': 'Passkeys',
  'passkey.body':
    'A passkey lets you sign in with your device’s fingerprint, face or PIN, with no password and no verification code. It is kept on your phone, your computer or your security key, and works only for this website.',
  'passkey.none': 'You have no passkeys yet.',
  'passkey.added': 'Added: {{date}}',
  'passkey.lastUsed': 'Last used: {{date}}',
  'passkey.neverUsed': 'Last used: not yet',
  'passkey.synced': 'Synced across your devices.',
  'passkey.rename.label': 'Passkey name',
  'passkey.rename.submit': 'Save the name',
  'passkey.remove.legend': 'Remove the passkey “{{name}}”',
  'passkey.remove.password': 'Your current password',
  'passkey.remove.submit': 'Remove this passkey',
  'passkey.add.legend': 'Add a passkey',
  'passkey.add.name': 'Passkey name (optional)',
  'passkey.add.nameHint': 'To recognise it later, for example “Phone” or “Home laptop”.',
  'passkey.add.password': 'Your current password',
  'passkey.add.passwordHint': 'We ask for it again because the passkey will be one more way into your account.',
  'passkey.add.submit': 'Continue',
  'passkey.unsupported':
    'This browser cannot use passkeys, or has JavaScript turned off. You can keep signing in with your password and a verification code.',
  'passkey.defaultName': 'Passkey',

  'passkey.enrol.title': 'Create your passkey',
  'passkey.enrol.body':
    'Press the button and follow your device’s prompts: it will ask for your fingerprint, face or PIN, or for a touch of your security key.',
  'passkey.enrol.submit': 'Create the passkey',
  'passkey.enrol.cancel': 'Go back without creating it',

  'passkey.msg.waiting': 'Follow your device’s prompts…',
  'passkey.msg.cancelled': 'That did not finish. You can try again or sign in another way.',
  'passkey.msg.refused': 'We could not start. Reload the page and try again.',

  'passkey.done.added': 'Your passkey is saved. Next time you can sign in with it.',
  'passkey.done.renamed': 'The passkey’s name is changed.',
  'passkey.done.removed': 'The passkey is removed from your account.',
  'passkey.done.restart': 'Creating the passkey timed out or was already done. Please start again.',

  'field.passkey_failed': 'Your device did not create the passkey, or its answer is not valid. Please try again.',
  'field.passkey_limit': 'You already have {{max}} passkeys. Remove one before adding another.',
  'field.passkey_name': 'Enter a name of up to {{max}} characters.',
  'field.passkey_not_found': 'That passkey no longer exists.',

  'passkey.signIn.heading': 'Sign in with a passkey',
  'passkey.signIn.body':
    'If you created a passkey in your private area, sign in with it without typing your document or your password.',
  'passkey.signIn.submit': 'Sign in with a passkey',
  'passkey.signIn.failed': 'We could not check that passkey. Try again, or sign in with your document and password.',
  'passkey.signIn.unknown':
    'That passkey is not registered to any account (perhaps you removed it). Sign in with your document and password.',
  'passkey.signIn.expired': 'Too much time passed since you pressed the button. Please try again.',

  'verify.byPasskey': 'With one of my passkeys',
  'verify.switchPasskey': 'Use a passkey',
  'passkey.step.intro':
    'Press the button and use the passkey you created for this website on your phone, computer or security key.',
  'passkey.step.submit': 'Use my passkey',
  'passkey.step.failed': 'We could not check the passkey. Try again, or choose another way to verify.',

  'email.passkey.subject': 'A change to the ways into your {{brand}} account',
  'email.passkey.added': 'The passkey “{{name}}” was added to your account. It can sign in without a password.',
  'email.passkey.removed': 'The passkey “{{name}}” was removed from your account.',
  'email.passkey.removedByStaff': 'Our customer service removed the passkey “{{name}}” from your account.',
  'email.passkey.notYou':
    'If this was not you and you did not ask for it, create a new password from “Forgot your password?” and write to us at {{email}}.',
  'email.passkey.ifNotYouAdded':
    'If this was not you, someone got into your account and could get in again with that passkey even after you change your password. Use this link: we will remove every passkey from your account, end all its sessions and send you another email to create a new password.',

  'bo.nav.passkeys': 'Passkeys',
  'bo.passkeys.title': 'Your passkeys',
  'bo.passkeys.intro':
    'A passkey can replace your authenticator app’s code in the second step. The app stays on: you will need it if you lose the passkey.',
  'bo.passkeys.mine': 'Your passkeys',
  'bo.passkeys.add': 'Add a passkey',
  'bo.passkeys.password': 'Your current password',
  'bo.passkeys.continue': 'Continue',
  'bo.passkeys.removeSubmit': 'Remove this passkey',
  'bo.passkeys.done.added': 'Passkey saved. You can use it in the second step.',
  'bo.passkeys.done.removed': 'Passkey removed.',
  'bo.passkeys.signInHeading': 'Or use a passkey',
  'bo.passkeys.heading': 'Passkeys',
  'bo.passkeys.none': 'No passkeys.',
  'bo.passkeys.name': 'Name',
  'bo.passkeys.created': 'Added',
  'bo.passkeys.lastUsed': 'Last used',
  'bo.passkeys.never': 'Never',
  'bo.passkeys.remove': 'Remove the passkey “{{name}}”',
  'bo.passkeys.reason': 'Reason',
  'bo.passkeys.removed': 'Passkey removed. The member has been emailed.',
};
