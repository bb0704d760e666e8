// Spanish is the default language (R20). Every key here must exist in en.ts: the type and a test enforce it.
// Slices may keep their messages in parts/ (both languages side by side); they are merged here.
import { brandEs } from './parts/brand.js';
import { addressEs } from './parts/address.js';
import { contactEs } from './parts/contact.js';
import { integrationEs } from './parts/integration.js';
import { oidcEs } from './parts/oidc.js';
import { feedEs } from './parts/feed.js';
import { securityEs } from './parts/security.js';
import { backofficeEs } from './parts/backoffice.js';
import { backofficeMembersEs } from './parts/backoffice-members.js';
import { backofficeApiKeysEs } from './parts/backoffice-api-keys.js';
import { backofficeOidcClientsEs } from './parts/backoffice-oidc-clients.js';
import { staffPasswordEs } from './parts/staff-password.js';
import { helpEs } from './parts/help.js';
import { passkeysEs } from './parts/passkeys.js';
import { awarenessEs } from './parts/awareness.js';
import { certificateEs } from './parts/certificate.js';
import { requestsEs } from './parts/requests.js';
import { requestsMemberEs } from './parts/requests-member.js';
import { directoryEs } from './parts/directory.js';
import { dataAccessEs } from './parts/data-access.js';
import { requestTrackingEs } from './parts/request-tracking.js';
import { documentsEs } from './parts/documents.js';
import { yourDataEs } from './parts/your-data.js';
import { lookEs } from './parts/look.js';

const core = {
  'lang.name': 'Español',
  'lang.switch': 'Cambiar idioma',
  'layout.skip': 'Saltar al contenido principal',
  'layout.home': 'Inicio',
  'layout.support': '¿Necesitas ayuda? Escríbenos a {{email}}.',
  'layout.supportPhone': 'O llámanos al {{phone}}.',
  'layout.rights': '© {{year}} {{brand}}',

  'nav.private': 'Tu área privada',
  'nav.home': 'Inicio',
  'nav.contact': 'Datos de contacto',
  'nav.security': 'Seguridad',
  'home.title': 'Tu área privada',
  'home.lead':
    'Consulta tu póliza y tu tarjeta digital, actualiza tus datos de contacto y gestiona las áreas de tus hijos menores desde un solo sitio.',
  'home.signIn': 'Acceder',
  'home.register': 'Registrarme',
  'home.registerHint':
    'Para registrarte necesitas tu número de asegurado, tu número de póliza y tu fecha de nacimiento. Los encontrarás en el email de bienvenida o en tu tarjeta de asegurado.',
  'home.whoTitle': '¿Quién puede registrarse?',
  'home.whoBody':
    'Cualquier asegurado mayor de edad. Las áreas de los menores las gestionan sus tutores legales, si están registrados y en la misma póliza, con el selector de asegurado.',
  'home.twoStepTitle': 'Verificación en dos pasos',
  'home.twoStepBody':
    'Después de tu contraseña te pediremos un código que te enviamos por email o por SMS, como prefieras. Así, aunque alguien supiera tu contraseña, no podría entrar.',
  'home.intlTitle': '¿Tu póliza es internacional o de expatriados?',
  'home.intlBody':
    'Esa atención la presta otro servicio. Escribe a {{email}} y te dirán qué canales tienes a tu disposición.',
  'home.intlPhone': 'Teléfono: {{phone}}.',

  'error.notFound.title': 'No encontramos esta página',
  'error.notFound.body': 'Puede que la dirección esté mal escrita o que la página ya no exista.',
  'error.badRequest.title': 'No hemos podido procesar la petición',
  'error.badRequest.body':
    'Los datos enviados no tienen el formato esperado. Vuelve a la página anterior e inténtalo de nuevo.',
  'error.tooLarge.title': 'Has enviado demasiados datos',
  'error.tooLarge.body': 'El formulario supera el tamaño permitido. Revisa los campos e inténtalo de nuevo.',
  'legal.privacy': 'Política de privacidad',
  'legal.legalNotice': 'Aviso legal',
  'legal.cookies': 'Política de cookies',
  'legal.accessibility': 'Declaración de accesibilidad',
  'register.privacyNote':
    'Usaremos estos datos para darte acceso a tu área privada y escribirte sobre tu cuenta. Más información en la',
  'error.cookies.title': 'Necesitas activar las cookies',
  'error.cookies.body':
    'Tu navegador no nos ha devuelto ninguna cookie, así que no podemos seguir con el formulario. Activa las cookies para esta web (solo las usamos para tu sesión, para protegerte de formularios falsos y para recordar tu idioma), vuelve a cargar la página y envía el formulario otra vez.',
  'error.csrf.title': 'El formulario ha caducado',
  'error.csrf.body': 'Por tu seguridad, vuelve a cargar la página y envía el formulario otra vez.',
  'error.rateLimited.title': 'Demasiados intentos',
  'error.rateLimited.body': 'Espera unos minutos antes de volver a intentarlo.',
  'error.server.title': 'Algo ha fallado',
  'error.server.body': 'No es culpa tuya. Inténtalo de nuevo en unos minutos; si el problema continúa, escríbenos.',
  'error.backHome': 'Volver al inicio',
  'error.reference': 'Referencia del error: {{id}}',

  'form.errorSummary': 'Revisa estos datos',
  'form.continue': 'Continuar',
  'form.back': 'Volver',
  'field.invalid': 'Este dato no es válido.',
  'field.required': 'Este campo es obligatorio.',
  'field.too_long': 'Es demasiado largo: como máximo {{max}} caracteres.',
  'field.invalid_format': 'Solo puede contener letras y números.',
  'field.document_type_invalid': 'Elige el tipo de documento.',
  'field.nif_format': 'Un NIF tiene 8 números y una letra, por ejemplo 12345678Z.',
  'field.nif_letter': 'La letra no corresponde a ese NIF. Revisa el número.',
  'field.nie_format': 'Un NIE empieza por X, Y o Z, sigue con 7 números y acaba en una letra, por ejemplo X1234567L.',
  'field.nie_letter': 'La letra no corresponde a ese NIE. Revisa el número.',
  'field.passport_format': 'El pasaporte debe tener entre 6 y 20 letras y números, sin símbolos.',
  'field.date_invalid': 'Escribe una fecha válida, como 31/12/1980.',
  'field.postal_code_invalid': 'Un código postal español tiene 5 cifras y empieza entre 01 y 52.',
  'field.phone_invalid': 'Este número de teléfono no es válido.',
  'field.phone_not_mobile': 'Escribe un número de móvil: ahí te enviaremos los SMS.',
  'field.email_invalid': 'Esta dirección de email no es válida.',

  'field.document_mismatch': 'No coincide con el documento que consta en tu póliza. Escribe ese mismo documento.',
  'field.document_taken': 'Este documento ya está registrado a nombre de otra persona.',
  'field.password_rules': 'La contraseña no cumple todas las condiciones de la lista.',
  'field.password_mismatch': 'Las dos contraseñas no coinciden.',
  'field.captcha_missing': 'Completa la verificación de seguridad.',
  'field.captcha_invalid': 'La verificación de seguridad no es válida o ha caducado. Vuelve a hacerla.',
  'field.captcha_wait': 'Has continuado demasiado deprisa. Espera unos segundos y vuelve a enviar el formulario.',
  'field.captcha_limited':
    'Sin la casilla de verificación solo se admiten unos pocos intentos por hora desde tu conexión. Activa JavaScript, usa un navegador actualizado o vuelve a intentarlo más tarde.',

  'captcha.label': 'Verificación de seguridad',
  'captcha.noscript':
    'Si tu navegador no muestra la casilla de verificación (sin JavaScript o en un navegador antiguo), la verificación de seguridad es una espera: lee con calma y no continúes antes de {{seconds}} segundos. Así hay menos intentos por hora.',

  'register.title': 'Regístrate en tu área privada',
  'register.progress': 'Progreso del registro',
  'register.step1': 'Identificación',
  'register.step2': 'Tus datos',
  'register.step3': 'Contraseña',
  'register.intro': 'Empieza identificándote con los datos de tu póliza.',
  'register.memberNumber': 'Número de asegurado',
  'register.memberNumberHint': 'Está en tu tarjeta y en el email de bienvenida. Puedes escribirlo con o sin guiones.',
  'register.birthDate': 'Fecha de nacimiento',
  'register.birthDateHint': 'Por ejemplo, 31/12/1980.',
  'register.policyNumber': 'Número de póliza',
  'register.expired':
    'Por seguridad, el registro se reinicia tras 30 minutos sin terminarlo. Empieza de nuevo, por favor.',
  'register.mismatchTitle': 'No encontramos esos datos',
  'register.mismatch':
    'Los datos no coinciden con ningún asegurado. Revisa el número de asegurado, la fecha de nacimiento y el número de póliza.',
  'register.mismatchHelp': 'Si no los tienes a mano, escríbenos a {{email}}.',
  'register.captchaNeeded':
    'Ha habido varios intentos sin éxito. Completa la verificación de seguridad para continuar.',
  'register.whereData':
    'Encontrarás tu número de asegurado y tu número de póliza en el email de bienvenida y en tu tarjeta de asegurado. Si no tienes ninguno de los dos, escríbenos a {{email}}.',
  'register.haveAccount': '¿Ya estás registrado?',
  'register.tooMany':
    'Hemos recibido demasiados intentos de identificación. Por seguridad, espera una hora antes de volver a intentarlo.',
  'register.forgot': '¿Olvidaste tu contraseña?',
  'register.minor.title': 'Los menores no se registran',
  'register.minor.body':
    'El área de un asegurado menor de edad la gestiona su tutor legal desde su propia área privada, con el selector de asegurado, si está registrado y en la misma póliza. Cuando cumplas 18 años podrás registrarte tú.',
  'register.intl.title': 'Tu póliza se gestiona en otro servicio',
  'register.intl.body':
    'Las pólizas internacionales y de expatriados tienen su propia atención al cliente. Escribe a {{email}} y te dirán qué canales tienes a tu disposición.',
  'register.cancelled.title': 'Esta póliza está dada de baja',
  'register.cancelled.body':
    'No es posible registrarse con una póliza dada de baja. Si crees que es un error, escríbenos a {{email}}.',
  'register.registered.title': 'Ya tienes una cuenta',
  'register.registered.body':
    'Ya estás registrado. Accede con tu documento de identidad y tu contraseña; si no la recuerdas, puedes crear una nueva.',
  'register.detailsTitle': 'Confirma tus datos',
  'register.detailsIntro':
    'Revisa tus datos de contacto y corrígelos si han cambiado. Después, indica tu documento de identidad: será tu usuario para acceder.',
  'register.addressLegend': 'Dirección postal',
  'register.contactLegend': 'Datos de contacto',
  'register.email': 'Email',
  'register.mobile': 'Móvil (opcional)',
  'register.mobileHint': 'Para recibir los códigos de verificación por SMS.',
  'register.documentLegend': 'Documento de identidad',
  'register.documentHint': 'Tu NIF, NIE o pasaporte será tu usuario para acceder al área privada.',
  'register.documentOnRecord':
    'Escribe el documento de identidad que nos diste al contratar la póliza. Será tu usuario para acceder.',
  'register.documentType': 'Tipo de documento',
  'register.documentTypeChoose': 'Elige uno',
  'register.docNif': 'NIF / DNI',
  'register.docNie': 'NIE',
  'register.docPassport': 'Pasaporte',
  'register.documentNumber': 'Número de documento',
  'register.documentTakenHelp': 'Si el documento es tuyo, escríbenos a {{email}} y lo revisaremos.',
  'register.returning.title': 'Ya tenías una cuenta',
  'register.returning.body':
    'Este documento ya es tu usuario de una póliza anterior. No necesitas registrarte otra vez.',
  'register.returning.next':
    'Accede con tu contraseña de siempre: al completar el acceso, tu nueva póliza se añadirá a tu cuenta. Si no recuerdas la contraseña, puedes crear una nueva.',
  'register.passwordTitle': 'Elige tu contraseña',
  'register.passwordIntro': 'La contraseña es personal: no la compartas con nadie.',
  'register.yourUsername': 'Tu usuario',
  'register.create': 'Crear mi cuenta',
  'register.backToDetails': 'Volver a mis datos',
  'register.done.title': 'Registro completado',
  'register.done.body': 'Tu cuenta está lista.',
  'register.done.email': 'Te hemos enviado una confirmación a {{email}}.',
  'register.done.next':
    'Ahora accede con tu documento y tu contraseña. Te pediremos un código de verificación por email o SMS.',
  'register.alreadyDone': 'Este registro ya se completó. Accede con tu documento y tu contraseña.',

  'password.rulesIntro': 'Tu contraseña debe:',
  'password.rule.length': 'tener entre 8 y 64 caracteres',
  'password.rule.charset': 'usar solo letras sin acentos (sin ñ) y números, sin espacios ni símbolos',
  'password.rule.digit': 'incluir al menos un número',
  'password.rule.upper': 'incluir al menos una mayúscula',
  'password.rule.lower': 'incluir al menos una minúscula',
  'password.rule.notCommon': 'no ser una contraseña o palabra demasiado común',
  'password.rule.noPersonal': 'no contener tu documento, tu número de asegurado ni tu fecha de nacimiento',
  'password.rule.history': 'no ser ninguna de tus últimas 20 contraseñas',
  'password.met': 'cumplida',
  'password.unmet': 'sin cumplir',
  'password.new': 'Contraseña',
  'password.confirm': 'Repite la contraseña',
  'password.personal': 'Puedes pegar la contraseña o dejar que tu gestor de contraseñas la genere.',

  'email.greeting': 'Hola, {{name}}:',
  'email.registered.subject': 'Tu cuenta en {{brand}} está lista',
  'email.registered.body': 'Has completado el registro en tu área privada.',
  'email.registered.username': 'Tu usuario es tu documento de identidad: {{username}}.',
  'email.registered.twoStep':
    'Cada vez que accedas, después de la contraseña te pediremos un código que te enviaremos por email o SMS.',
  'email.registered.cta': 'Acceder a mi área privada',
  'email.registered.notYou': 'Si no has sido tú, escríbenos cuanto antes a {{email}}.',
  'email.registeredNotice.subject': 'Se ha creado una cuenta con tus datos en {{brand}}',
  'email.registeredNotice.body':
    'Se ha creado una cuenta en el área privada con tus datos de asegurado, indicando el email {{email}} como dirección de contacto.',
  'email.registeredNotice.notYou': 'Si no has sido tú, escríbenos cuanto antes a {{email}}.',

  'field.code_wrong': 'El código no es correcto. Te quedan {{remaining}} intentos.',
  'field.code_expired': 'El código ha caducado o ya no es válido. Pide uno nuevo.',

  'signin.title': 'Acceder',
  'signin.username': 'Documento de identidad',
  'signin.usernameHint': 'Tu NIF, NIE o pasaporte, el que indicaste al registrarte.',
  'signin.password': 'Contraseña',
  'signin.submit': 'Acceder',
  'signin.noAccount': '¿Aún no tienes cuenta?',
  'signin.failed': 'El documento o la contraseña no son correctos.',
  'signin.locked':
    'Por seguridad, el acceso con este documento está pausado unos minutos tras varios intentos fallidos. Vuelve a intentarlo en 15 minutos o crea una contraseña nueva.',
  'signin.addressLimited':
    'Hemos recibido demasiados intentos desde tu conexión. Espera una hora antes de volver a intentarlo.',
  'signin.disabled': 'Tu cuenta está desactivada. Escríbenos a {{email}} para reactivarla.',
  'signin.sessionExpired': 'Tu sesión ha caducado por inactividad. Vuelve a acceder para continuar.',
  'signin.restart': 'Por seguridad, empieza de nuevo el acceso.',
  'signin.signedOut': 'Has cerrado la sesión.',
  'signin.flowExpired': 'El acceso ha caducado. Empieza de nuevo.',
  'signin.captchaNeeded': 'Ha habido varios intentos sin éxito. Completa la verificación de seguridad para continuar.',

  'verify.title': 'Verificación en dos pasos',
  'verify.chooseIntro':
    'Para proteger tu cuenta, te enviaremos un código de un solo uso. Elige dónde quieres recibirlo.',
  'verify.chooseIntroNoSend': 'Para proteger tu cuenta, confirma que eres tú de una de estas formas.',
  'verify.chooseLegendNoSend': 'Cómo confirmarlo',
  'verify.continue': 'Continuar',
  'verify.chooseLegend': 'Enviar el código',
  'verify.byEmail': 'Por email a {{to}}',
  'verify.bySms': 'Por SMS al {{to}}',
  'verify.byTotp': 'Con el código de mi aplicación de autenticación',
  'verify.codeIntroTotp':
    'Abre tu aplicación de autenticación y escribe el código de 6 cifras que muestra ahora para tu cuenta.',
  'verify.switchTotp': 'Usar mi aplicación de autenticación',
  'verify.send': 'Enviar el código',
  'verify.sentEmail': 'Te hemos enviado un código a {{to}}.',
  'verify.sentSms': 'Te hemos enviado un código por SMS al {{to}}.',
  'verify.codeIntroEmail':
    'Escribe el código de 6 cifras que te hemos enviado a {{to}}, o pulsa el enlace del email desde este mismo navegador. Caduca en 10 minutos.',
  'verify.codeIntroSms': 'Escribe el código de 6 cifras que te hemos enviado por SMS al {{to}}. Caduca en 10 minutos.',
  'verify.code': 'Código de verificación',
  'verify.codeHint': '6 cifras. Puedes pegarlo.',
  'verify.confirm': 'Verificar',
  'verify.resend': 'Enviar otro código',
  'verify.switchEmail': 'Recibirlo por email ({{to}})',
  'verify.switchSms': 'Recibirlo por SMS ({{to}})',
  'verify.resendWait': 'Espera 30 segundos antes de pedir otro código.',
  'verify.hourlyLimit':
    'Hemos enviado a tu cuenta todos los códigos que enviamos en una hora, así que ahora no podemos mandarte otro. Podrás pedirlo dentro de {{count}} min. Si ya te llegó un código en este acceso, todavía puedes usarlo.',
  'verify.addressLimit':
    'Desde tu conexión se han pedido todos los códigos que enviamos en una hora, así que ahora no podemos mandarte otro. Podrás pedirlo dentro de {{count}} min. Si ya te llegó un código en este acceso, todavía puedes usarlo.',
  'verify.hourlyLimitOthers':
    'Mientras tanto, puedes confirmar tu acceso con tu aplicación de autenticación o con una llave de acceso (passkey): no hace falta enviarte nada.',
  'verify.startAgain': 'Volver a la página de acceso',
  'verify.sendLimit':
    'Ya te hemos enviado 3 códigos en este acceso. Usa el último que recibiste o empieza de nuevo más tarde.',
  'verify.otherBrowser.title': 'Abre el enlace en el mismo navegador',
  'verify.otherBrowser.body':
    'Por seguridad, el enlace solo funciona en el navegador donde escribiste tu contraseña. Vuelve a ese navegador y pulsa el enlace allí, o escribe el código del email.',
  'verify.linkExpired':
    'Este enlace ya se ha usado, ha caducado o se ha sustituido por otro más reciente. Vuelve a acceder para recibir uno nuevo.',

  'help.title': 'Ayuda',
  'help.noEmail.title': 'No recibo el email de verificación',
  'help.noEmail.1': 'Espera un par de minutos: a veces el correo tarda en llegar.',
  'help.noEmail.2': 'Mira en la carpeta de correo no deseado o de promociones.',
  'help.noEmail.3':
    'Comprueba que la dirección que te mostramos es la tuya. Si ha cambiado, puedes elegir el SMS o escribirnos.',
  'help.noEmail.4': 'Puedes pedir otro código pasados 30 segundos, hasta 3 veces por acceso.',
  'help.noSms.title': 'No recibo el SMS',
  'help.noSms.1': 'Comprueba que tienes cobertura y que el móvil que te mostramos es el tuyo.',
  'help.noSms.2': 'Espera un par de minutos y, si no llega, pide otro código o elige recibirlo por email.',
  'help.noSms.3': 'Algunos móviles filtran los SMS de remitentes desconocidos: revisa esa carpeta.',
  'help.noSms.4':
    'Si has cambiado de número, accede con el código por email y actualiza tu móvil en tus datos de contacto.',
  'help.expired.title': 'El enlace o el código ha caducado',
  'help.expired.1':
    'Los códigos de verificación y los enlaces de acceso caducan a los 10 minutos y solo se pueden usar una vez.',
  'help.expired.2': 'Cada código nuevo anula los anteriores: usa siempre el último que recibas.',
  'help.expired.3': 'Para recibir uno nuevo, vuelve a acceder con tu documento y tu contraseña.',
  'help.contact': 'Si sigues sin poder acceder, escríbenos a {{email}}.',

  'area.title': 'Tu área privada',
  'area.greeting': 'Hola, {{name}}',
  'area.policies': 'Tus pólizas',
  'area.noPolicies': 'No hay ninguna póliza asociada a tu cuenta.',
  'area.policyNumber': 'Número de póliza',
  'area.status': 'Estado',
  'area.active': 'En vigor',
  'area.cancelled': 'De baja',
  'area.since': 'Desde',
  'area.until': 'Hasta',
  'area.security': 'Seguridad',
  'area.people': 'Personas aseguradas que puedes consultar',
  'area.peopleSelf': 'tú',
  'area.peopleRecord': 'Nº de asegurado {{member}} en la póliza {{policy}} ({{product}})',
  'area.peopleMinor': 'menor a tu cargo',
  'area.manage': 'Gestiona tu cuenta',
  'area.forbidden.title': 'No puedes ver estos datos',
  'area.forbidden.body':
    'Solo puedes consultar tus propios datos y los de los menores de los que eres tutor en tu misma póliza.',
  'card.title': 'Tarjeta de asegurado',
  'card.titleMany': 'Tus tarjetas de asegurado',
  'card.printPolicy': 'Ver la tarjeta de la póliza {{policy}} para imprimirla',
  'card.memberNumber': 'Nº de asegurado',
  'card.policyNumber': 'Nº de póliza',
  'card.product': 'Producto',
  'card.birthDate': 'Fecha de nacimiento',
  'card.print': 'Ver la tarjeta para imprimirla',
  'card.printHint': 'Puedes imprimir esta página o mostrarla desde el móvil en tu centro médico.',
  'selector.label': 'Ver el área de',
  'selector.you': 'tú',
  'selector.switch': 'Cambiar',
  'selector.viewing': 'Estás viendo el área de {{name}}.',
  'username.title': 'Tu usuario',
  'username.current': 'Tu usuario es tu documento de identidad ({{type}} {{number}}).',
  'username.body':
    'Si has cambiado de documento (por ejemplo, de NIE a NIF), el cambio de usuario lo hace nuestro Servicio de Atención al Cliente, que también lo actualizará en tu póliza.',
  'username.contact': 'Escríbenos a {{email}} indicando tu documento anterior y el nuevo.',
  'area.signOut': 'Cerrar sesión',

  'sms.signInCode': '{{brand}}: tu código de verificación es {{code}}. Caduca en 10 minutos. No se lo digas a nadie.',
  'email.signInCode.subject': '{{code}} es tu código de verificación de {{brand}}',
  'email.signInCode.intro': 'Este es tu código para completar el acceso a tu área privada:',
  'email.signInCode.valid': 'Caduca en 10 minutos y solo se puede usar una vez.',
  'email.signInCode.orLink': 'También puedes completar el acceso con este enlace:',
  'email.signInCode.cta': 'Completar el acceso',
  'email.signInCode.sameBrowser': 'El enlace solo funciona en el navegador donde escribiste tu contraseña.',
  'email.signInCode.notYou':
    'Si no estás intentando acceder, alguien conoce tu contraseña: cámbiala cuanto antes. Nunca te pediremos este código por teléfono.',
  'email.locked.subject': 'Hemos pausado el acceso a tu cuenta de {{brand}}',
  'email.locked.body':
    'Ha habido 10 intentos seguidos de acceder a tu cuenta que han fallado (contraseña o código de verificación incorrectos). Por seguridad, el acceso queda pausado {{minutes}} minutos.',
  'email.locked.bodyCode':
    'Alguien ha escrito bien tu contraseña y después ha introducido un código de verificación incorrecto demasiadas veces. Por seguridad, el acceso queda pausado {{minutes}} minutos.',
  'email.locked.ifNotYouCode':
    'Si no has sido tú, alguien conoce tu contraseña: crea una nueva ahora con el botón de arriba. Si te preocupa, escríbenos a {{email}}.',
  'email.locked.ifYou': 'Si has sido tú y no recuerdas la contraseña, puedes crear una nueva:',
  'email.locked.cta': 'Crear una contraseña nueva',
  'email.locked.ifNotYou':
    'Si no has sido tú, tu cuenta sigue protegida por la verificación en dos pasos. Si te preocupa, escríbenos a {{email}}.',

  'field.password_reused': 'No puedes repetir ninguna de tus últimas 20 contraseñas.',
  'field.current_password_wrong': 'La contraseña actual no es correcta.',

  'recovery.title': 'Recupera tu contraseña',
  'recovery.intro':
    'Escribe el documento de identidad con el que te registraste y completa la verificación de seguridad.',
  'recovery.flowExpired': 'La solicitud ha caducado. Empieza de nuevo, por favor.',
  'recovery.limited': 'Hemos recibido demasiadas solicitudes. Espera una hora antes de volver a intentarlo.',
  'recovery.sendIntro':
    'Pulsa enviar y te mandaremos un email con un enlace para crear una contraseña nueva. El enlace sirve una sola vez y caduca a las 24 horas.',
  'recovery.send': 'Enviar',
  'recovery.sentTitle': 'Revisa tu email',
  'recovery.sent':
    'Si ese documento corresponde a una cuenta, te hemos enviado un email con un enlace para crear una contraseña nueva. Caduca en 24 horas.',
  'recovery.sentHelp': 'Si no te llega en unos minutos, revisa el correo no deseado o escríbenos a {{email}}.',
  'recovery.invalidTitle': 'Este enlace ya no sirve',
  'recovery.invalid':
    'El enlace ya se ha usado, ha caducado o se ha sustituido por uno más reciente. Puedes pedir otro.',
  'recovery.again': 'Pedir un enlace nuevo',
  'recovery.resetTitle': 'Crea una contraseña nueva',
  'recovery.save': 'Guardar la contraseña',
  'recovery.passkeys.legend': 'Llaves de acceso de tu cuenta',
  'recovery.passkeys.intro':
    'Con una llave de acceso (passkey) se entra sin contraseña, así que una contraseña nueva no la detiene. Marca las llaves que no reconozcas y las quitaremos al guardar la contraseña. Las añadidas en los últimos 7 días aparecen marcadas: desmarca las que sean tuyas.',
  'recovery.passkeys.remove': 'Quitar «{{name}}» (añadida el {{date}})',
  'recovery.doneTitle': 'Contraseña cambiada',
  'recovery.done': 'Tu contraseña se ha cambiado y se han cerrado todas tus sesiones. Accede con la nueva contraseña.',

  'change.title': 'Cambiar la contraseña',
  'change.intro': 'Al cambiarla, se cerrarán tus sesiones en otros dispositivos.',
  'change.current': 'Contraseña actual',
  'change.save': 'Cambiar la contraseña',
  'change.done': 'Tu contraseña se ha cambiado. Las demás sesiones se han cerrado.',
  'change.back': 'Volver a tu área privada',

  'email.recovery.subject': 'Crea una contraseña nueva para {{brand}}',
  'email.recovery.intro': 'Hemos recibido una solicitud para crear una contraseña nueva para tu área privada.',
  'email.recovery.cta': 'Crear una contraseña nueva',
  'email.recovery.valid':
    'El enlace caduca en 24 horas y solo se puede usar una vez. Si pides otro, este dejará de funcionar.',
  'email.recovery.notYou': 'Si no lo has pedido tú, ignora este email: tu contraseña no cambiará.',
  'email.passwordChanged.subject': 'Se ha cambiado la contraseña de tu cuenta de {{brand}}',
  'email.passwordChanged.reset': 'La contraseña de tu área privada se ha cambiado con un enlace de recuperación.',
  'email.passwordChanged.change': 'La contraseña de tu área privada se ha cambiado desde tu cuenta.',
  'email.passwordChanged.sessions': 'Por seguridad, hemos cerrado tus sesiones abiertas en otros dispositivos.',
  'email.passwordChanged.notYou': 'Si no has sido tú, escríbenos cuanto antes a {{email}}.',

  'mailbox.title': 'Buzón de desarrollo',
  'mailbox.lead':
    'Aquí aparece cada email y SMS que el sistema habría enviado, del más reciente al más antiguo. Solo existe fuera de producción.',
  'mailbox.empty': 'Todavía no se ha enviado nada.',
  'mailbox.to': 'Para',
  'mailbox.status': 'Estado',
  'mailbox.text': 'Texto',
  'mailbox.html': 'HTML',
  'mailbox.viewHtml': 'Ver la versión HTML',
  'mailbox.wrongHost.title': 'Dirección no reconocida',
  'mailbox.wrongHost.body':
    'El buzón de desarrollo solo responde en la dirección del portal (PUBLIC_URL) o en localhost con su puerto.',

  'email.footer': 'Este mensaje lo envía {{brand}}. Si tienes dudas, escríbenos a {{email}}.',
  'email.ignore': 'Si no esperabas este mensaje, puedes ignorarlo.',
  'email.enrolment.subject': 'Bienvenido a {{brand}}: regístrate en tu área privada',
  'email.enrolment.greeting': 'Hola, {{name}}:',
  'email.enrolment.body':
    'Ya formas parte de {{brand}}. Desde tu área privada podrás consultar tu póliza y tu tarjeta digital y gestionar tus datos.',
  'email.enrolment.data': 'Para registrarte necesitarás estos datos, junto con tu fecha de nacimiento:',
  'email.enrolment.memberNumber': 'Número de asegurado',
  'email.enrolment.policyNumber': 'Número de póliza',
  'email.enrolment.cta': 'Registrarme ahora',
  'email.enrolment.keep': 'Guarda este email: estos datos también aparecen en tu tarjeta de asegurado.',
} as const;

export const es = {
  ...core,
  ...securityEs,
  ...contactEs,
  ...addressEs,
  ...backofficeEs,
  ...backofficeMembersEs,
  ...integrationEs,
  ...oidcEs,
  ...backofficeApiKeysEs,
  ...backofficeOidcClientsEs,
  ...staffPasswordEs,
  ...helpEs,
  ...passkeysEs,
  ...feedEs,
  ...brandEs,
  ...awarenessEs,
  ...certificateEs,
  ...requestsEs,
  ...requestsMemberEs,
  ...directoryEs,
  ...dataAccessEs,
  ...requestTrackingEs,
  ...documentsEs,
  ...yourDataEs,
  ...lookEs,
} as const;

export type MessageKey = keyof typeof es;
