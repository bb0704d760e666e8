// The help centre (R26): every question of the insurer's help text, answered in our own words, in both languages
// (R20). {{product}} is the brand's name for the area ("Área Privada de Asegurado"), {{brand}} the insurer's,
// {{email}} and {{phone}} customer service's, {{intlContact}} the international service's (R17, R18).
export const helpEs = {
  'help.centre.title': 'Ayuda',
  'help.centre.intro':
    'Respuestas a las preguntas más habituales sobre tu {{product}}. Si no encuentras la tuya, escríbenos a {{email}}.',
  'help.centre.contents': 'Temas de ayuda',
  'help.centre.back': 'Volver a la ayuda',
  'help.footer': 'Ayuda',
  'help.moreHelp': '¿Necesitas ayuda?',
  'help.intlContact.email': 'escribe a {{email}}',
  'help.intlContact.both': 'escribe a {{email}} o llama al {{phone}}',

  'help.area.title': '¿Qué es el {{product}}?',
  'help.area.1':
    'Es tu espacio personal en la web de {{brand}}: desde él consultas tus pólizas, ves e imprimes tu tarjeta de asegurado digital, mantienes al día tus datos de contacto y gestionas tu seguridad (contraseña, verificación en dos pasos y sesiones abiertas).',
  'help.area.2':
    'Si en tu póliza hay menores de los que eres tutor legal, también puedes consultar sus datos con el selector de asegurado.',
  'help.area.3':
    'Para entrar la primera vez tienes que registrarte; después accedes con tu documento de identidad, tu contraseña y un código de verificación.',

  'help.whoCanRegister.title': '¿Quién puede registrarse?',
  'help.whoCanRegister.1': 'Cualquier asegurado mayor de edad de una póliza local en vigor.',
  'help.whoCanRegister.2':
    'Los menores no se registran: su tutor legal, si es asegurado de la misma póliza y está registrado, consulta sus datos desde su propia área con el selector de asegurado. El día que cumplen 18 años pueden registrarse y les enviamos un email para que lo hagan.',
  'help.whoCanRegister.3':
    'Los asegurados de pólizas internacionales o de expatriados tienen su propio servicio: {{intlContact}}.',

  'help.register.title': '¿Cómo me registro?',
  'help.register.intro': 'Son tres pasos y te llevan unos minutos:',
  'help.register.1':
    'Identificación: escribe tu número de asegurado, tu fecha de nacimiento y tu número de póliza. No te preocupes por mayúsculas, espacios o guiones: los quitamos nosotros.',
  'help.register.2':
    'Confirmación de datos: revisa tu dirección postal, tu email y tu móvil, y escribe tu NIF, NIE o pasaporte. Ese documento será desde entonces tu usuario.',
  'help.register.3': 'Contraseña: elige tu contraseña siguiendo los requisitos que te mostramos.',
  'help.register.after':
    'Al terminar te enviamos un email de confirmación. Después entras con tu documento y tu contraseña, y confirmas que eres tú con un código de verificación.',

  'help.numbers.title': '¿Dónde encuentro mi número de asegurado y mi número de póliza?',
  'help.numbers.1':
    'Cuando te diste de alta te enviamos un email con los dos números. Junto con tu fecha de nacimiento, son todo lo que necesitas para registrarte.',
  'help.numbers.2': 'También aparecen en tu tarjeta de asegurado.',
  'help.numbers.3':
    'Si no tienes ni el email ni la tarjeta, escríbenos a {{email}} y te responderemos lo antes posible.',

  'help.passwordRules.title': 'Requisitos de la contraseña',
  'help.passwordRules.1':
    'Tiene entre 8 y 64 caracteres y solo letras y números, sin signos de puntuación ni símbolos.',
  'help.passwordRules.2': 'Incluye al menos un número, una letra mayúscula y una letra minúscula.',
  'help.passwordRules.3':
    'No puede ser ninguna de tus 20 contraseñas anteriores, ni una contraseña o palabra muy común, ni contener tu documento, tu número de asegurado o tu fecha de nacimiento.',
  'help.passwordRules.4':
    'Tu contraseña es personal: no se la des a nadie. Nunca te la pediremos por teléfono ni por email.',

  'help.twoStep.title': '¿Qué es la verificación en dos pasos y cómo funciona?',
  'help.twoStep.1': 'Es una comprobación extra para que nadie más pueda entrar aunque conozca tu contraseña.',
  'help.twoStep.2':
    'Primero escribes tu documento y tu contraseña. Después eliges cómo recibir un código de verificación de 6 cifras: por email o por SMS (si nos has dado tu móvil). Escribes el código y ya estás dentro.',
  'help.twoStep.3':
    'El email trae también un enlace que completa el acceso con un clic, en el mismo navegador en el que escribiste la contraseña.',
  'help.twoStep.4':
    'Si lo prefieres, en Seguridad puedes configurar una aplicación de autenticación y usar sus códigos.',
  'help.twoStep.5':
    'También puedes crear en Seguridad una llave de acceso (passkey) en tu móvil u ordenador: entras con tu huella, tu cara o el PIN del dispositivo, sin contraseña ni código. Si pierdes el dispositivo, bórrala desde otro o pide ayuda a atención al cliente.',

  'help.forgotPassword.title': 'He olvidado mi contraseña',
  'help.forgotPassword.1': 'Pulsa «¿Olvidaste tu contraseña?», debajo del formulario de acceso.',
  'help.forgotPassword.2':
    'Escribe el documento de identidad con el que te registraste (tu usuario), resuelve el captcha y pulsa continuar. En la pantalla siguiente, pulsa enviar.',
  'help.forgotPassword.3':
    'Te enviaremos un email con un enlace para elegir una contraseña nueva. El enlace sirve una sola vez durante 24 horas; si caduca, repite el proceso para recibir otro.',
  'help.forgotPassword.4':
    'La contraseña nueva no puede ser ninguna de las 20 anteriores. Al cambiarla, cerramos todas tus sesiones abiertas.',

  'help.nieToNif.title': 'Tenía NIE y ahora tengo NIF',
  'help.nieToNif.1':
    'Tu documento es tu usuario, y solo Atención al Cliente puede cambiarlo, porque también hay que actualizarlo en tu póliza.',
  'help.nieToNif.2':
    'Escríbenos a {{email}} y te diremos los pasos. Cuando esté cambiado, entrarás con el documento nuevo y la misma contraseña.',

  'help.formerMember.title': 'Ya fui asegurado y ahora tengo una póliza nueva',
  'help.formerMember.1':
    'Si ya te registraste con nosotros, no tienes que registrarte otra vez, aunque tu póliza nueva sea particular o de otra empresa: entra con tu documento y tu contraseña de siempre.',
  'help.formerMember.2':
    'Tu póliza nueva aparecerá en tu área junto con las demás. Si no recuerdas la contraseña, usa «¿Olvidaste tu contraseña?».',

  'help.minors.title': 'Menores y el selector de asegurado',
  'help.minors.1':
    'Si eres tutor legal de un menor asegurado en tu misma póliza y estás registrado, verás en tu área el selector de asegurado.',
  'help.minors.2':
    'Con él cambias a los datos del menor (su póliza y su tarjeta) y vuelves a los tuyos cuando quieras.',
  'help.minors.3':
    'Cuando el menor cumple 18 años deja de aparecer en el selector y puede registrarse con sus propios datos.',

  'help.international.title': 'Asegurados internacionales y expatriados',
  'help.international.1':
    'Esta área es para las pólizas locales. Si tu póliza es internacional o de expatriados, el servicio internacional te dirá qué canales tienes: {{intlContact}}.',

  'help.browsers.title': 'Navegadores y requisitos',
  'help.browsers.1':
    'Puedes usar tu área desde el ordenador, la tableta o el móvil, con los navegadores habituales actualizados: Chrome, Edge, Firefox o Safari. Con una versión muy antigua puede que alguna función no vaya bien.',
  'help.browsers.2':
    'Necesitas tener las cookies activadas: las usamos solo para mantener tu sesión, protegerte de formularios falsos y recordar tu idioma.',
  'help.browsers.3':
    'Los formularios funcionan también sin JavaScript, en navegadores antiguos (Internet Explorer desde la versión 9) y en navegadores sencillos o de solo texto. Si no ves la casilla de la verificación de seguridad (captcha), la verificación consiste en esperar unos segundos antes de continuar, y admite menos intentos por hora.',
  'help.browsers.4': 'Si tienes un problema técnico, escríbenos a {{email}}.',

  'help.contactUs.title': 'Atención al cliente',
  'help.contactUs.1': 'Escríbenos a {{email}}. Te responderemos lo antes posible.',
  'help.contactUs.phone': 'También puedes llamarnos al {{phone}}.',
  'help.contactUs.2': 'Nunca te pediremos tu contraseña ni tus códigos de verificación.',
} as const;

export const helpEn: Record<keyof typeof helpEs, string> = {
  'help.centre.title': 'Help',
  'help.centre.intro':
    'Answers to the most common questions about your {{product}}. If yours is not here, write to us at {{email}}.',
  'help.centre.contents': 'Help topics',
  'help.centre.back': 'Back to help',
  'help.footer': 'Help',
  'help.moreHelp': 'Need help?',
  'help.intlContact.email': 'write to {{email}}',
  'help.intlContact.both': 'write to {{email}} or call {{phone}}',

  'help.area.title': 'What is the {{product}}?',
  'help.area.1':
    'It is your personal space on the {{brand}} website: there you check your policies, see and print your digital member card, keep your contact details up to date and manage your security (password, two-step verification and open sessions).',
  'help.area.2':
    'If you are the legal guardian of minors on your policy, you can also see their details with the member drop-down menu.',
  'help.area.3':
    'The first time, you register; after that you sign in with your identity document, your password and a verification code.',

  'help.whoCanRegister.title': 'Who can register?',
  'help.whoCanRegister.1': 'Any adult member of a local policy in force.',
  'help.whoCanRegister.2':
    'Minors do not register: their legal guardian, if a registered member of the same policy, sees their details from their own area with the member drop-down menu. On their 18th birthday they can register, and we email them to invite them.',
  'help.whoCanRegister.3': 'Members of international or expatriate policies have their own service: {{intlContact}}.',

  'help.register.title': 'How do I register?',
  'help.register.intro': 'There are three steps, and they take a few minutes:',
  'help.register.1':
    'Identify yourself: type your member number, your date of birth and your policy number. Do not worry about capitals, spaces or hyphens: we remove them for you.',
  'help.register.2':
    'Confirm your details: check your postal address, email and mobile, and type your NIF, NIE or passport number. From then on that document is your username.',
  'help.register.3': 'Password: choose your password following the requirements we show you.',
  'help.register.after':
    'When you finish, we send you a confirmation email. Then you sign in with your document and password, and confirm it is you with a verification code.',

  'help.numbers.title': 'Where do I find my member number and policy number?',
  'help.numbers.1':
    'When you joined, we emailed you both numbers. Together with your date of birth, they are all you need to register.',
  'help.numbers.2': 'They are also on your member card.',
  'help.numbers.3':
    'If you have neither the email nor the card, write to us at {{email}} and we will answer as soon as we can.',

  'help.passwordRules.title': 'Password requirements',
  'help.passwordRules.1': 'It has 8 to 64 characters, letters and numbers only, with no punctuation marks or symbols.',
  'help.passwordRules.2': 'It includes at least one number, one capital letter and one lower-case letter.',
  'help.passwordRules.3':
    'It cannot be any of your last 20 passwords, a very common password or word, or contain your document, member number or date of birth.',
  'help.passwordRules.4':
    'Your password is personal: do not give it to anyone. We will never ask you for it by phone or email.',

  'help.twoStep.title': 'What is two-step verification, and how does it work?',
  'help.twoStep.1': 'It is an extra check so that nobody else can sign in, even if they know your password.',
  'help.twoStep.2':
    'First you type your document and password. Then you choose how to get a 6-digit verification code: by email or by text message (if you gave us your mobile). You type the code, and you are in.',
  'help.twoStep.3':
    'The email also has a link that finishes signing in with one click, in the same browser where you typed your password.',
  'help.twoStep.4': 'If you prefer, you can set up an authenticator app under Security and use its codes.',
  'help.twoStep.5':
    "You can also create a passkey under Security on your phone or computer: you sign in with your fingerprint, your face or the device's PIN, with no password and no code. If you lose the device, remove the passkey from another one or ask Customer Service for help.",

  'help.forgotPassword.title': 'I forgot my password',
  'help.forgotPassword.1': 'Select "Forgot your password?" below the sign-in form.',
  'help.forgotPassword.2':
    'Type the identity document you registered with (your username), answer the captcha and select continue. On the next screen, select send.',
  'help.forgotPassword.3':
    'We email you a link to choose a new password. The link works once, for 24 hours; if it expires, start again to get a new one.',
  'help.forgotPassword.4':
    'The new password cannot be any of your last 20. When you change it, we end all your open sessions.',

  'help.nieToNif.title': 'I had an NIE and now I have an NIF',
  'help.nieToNif.1':
    'Your document is your username, and only Customer Service can change it, because it must be updated on your policy too.',
  'help.nieToNif.2':
    'Write to us at {{email}} and we will tell you the steps. Once it is changed, you sign in with the new document and the same password.',

  'help.formerMember.title': 'I was a member before and now have a new policy',
  'help.formerMember.1':
    'If you already registered with us, you do not need to register again, even if your new policy is a personal one or through a new employer: sign in with your usual document and password.',
  'help.formerMember.2':
    'Your new policy shows in your area with the others. If you do not remember your password, use "Forgot your password?".',

  'help.minors.title': 'Minors and the member drop-down menu',
  'help.minors.1':
    'If you are the legal guardian of a minor on your same policy and you are registered, your area shows the member drop-down menu.',
  'help.minors.2':
    "With it you switch to the minor's details (their policy and card) and back to yours whenever you like.",
  'help.minors.3': 'When the minor turns 18, they leave the selector and can register with their own details.',

  'help.international.title': 'International and expatriate members',
  'help.international.1':
    'This area is for local policies. If your policy is international or for expatriates, the international service will tell you which channels you have: {{intlContact}}.',

  'help.browsers.title': 'Browsers and requirements',
  'help.browsers.1':
    'You can use your area on a computer, tablet or phone, with the usual up-to-date browsers: Chrome, Edge, Firefox or Safari. With a very old version, some features may not work well.',
  'help.browsers.2':
    'Cookies must be turned on: we use them only to keep you signed in, to protect you from forged forms and to remember your language.',
  'help.browsers.3':
    "The forms also work without JavaScript, in older browsers (Internet Explorer from version 9) and in simple or text-only browsers. If you do not see the security check's box (captcha), the check is a wait of a few seconds before you continue, and allows fewer tries an hour.",
  'help.browsers.4': 'If you have a technical problem, write to us at {{email}}.',

  'help.contactUs.title': 'Customer Service',
  'help.contactUs.1': 'Write to us at {{email}}. We will answer as soon as we can.',
  'help.contactUs.phone': 'You can also call us on {{phone}}.',
  'help.contactUs.2': 'We will never ask you for your password or your verification codes.',
};
