// R35: the portal as an OpenID Provider — the consent page, the pages between the portal and an app, and their
// errors. Both languages (R20); the English half is typed against the Spanish keys.
export const oidcEs = {
  'oidc.anApp': 'Una aplicación',
  'signin.reauthenticate': 'La aplicación desde la que vienes pide que vuelvas a acceder, para confirmar que eres tú.',
  'oidc.consent.title': '{{app}} quiere usar tu cuenta',
  'oidc.consent.lead': 'Si lo permites, {{app}} recibirá de {{brand}}:',
  'oidc.consent.noHealth':
    'Ninguna aplicación recibe tus datos de salud: ni reembolsos, ni autorizaciones, ni documentos.',
  'oidc.consent.lifetime':
    'El permiso dura un año, o hasta que lo retires en Seguridad › Aplicaciones conectadas; la aplicación pierde el acceso en cuanto lo retiras.',
  'oidc.consent.allow': 'Permitir',
  'oidc.consent.deny': 'No permitir',
  'oidc.consent.signedInAs': 'Has accedido como {{name}}.',
  'oidc.consent.actingFor':
    '{{app}} actuará en nombre de {{minor}}, menor a tu cargo: verá sus datos, no los tuyos, y sabrá que quien actúa eres tú ({{name}}). El permiso termina cuando {{minor}} cumpla 18 años.',
  'oidc.actFor.title': '¿Para quién vas a usar {{app}}?',
  'oidc.actFor.lead':
    'Puedes usar {{app}} para ti o en nombre de un menor a tu cargo. La aplicación verá los datos de quien elijas y sabrá que actúas tú.',
  'oidc.actFor.legend': 'Usar {{app}} para',
  'oidc.actFor.self': 'Para mí ({{name}})',
  'oidc.actFor.minor': 'En nombre de {{name}}',
  'oidc.scope.openid': 'Un identificador tuyo que solo usa esta aplicación (no es tu número de documento).',
  'oidc.scope.profile': 'Tu nombre, tu fecha de nacimiento y tu idioma.',
  'oidc.scope.email': 'Tu email.',
  'oidc.scope.phone': 'Tu número de móvil.',
  'oidc.scope.membership': 'Tu número de asegurado y tus pólizas: número, producto, estado y fecha de fin.',
  'oidc.scope.offline_access': 'Mantener el acceso cuando no estés usando la aplicación, hasta que lo retires.',
  'oidc.scopeFor.openid': 'Un identificador de {{minor}} que solo usa esta aplicación (no es su número de documento).',
  'oidc.scopeFor.profile': 'El nombre y la fecha de nacimiento de {{minor}}, y tu idioma.',
  'oidc.scopeFor.membership':
    'El número de asegurado de {{minor}} y su póliza: número, producto, estado y fecha de fin.',
  'oidc.scopeFor.offline_access':
    'Mantener el acceso cuando no estés usando la aplicación, hasta que lo retires o {{minor}} cumpla 18 años.',
  'oidc.scopeFor.noContact': 'Ni tu email ni tu móvil: una aplicación que actúa por un menor no los recibe.',
  'oidc.continue.title': 'Volviendo a {{app}}',
  'oidc.continue.body': 'Ya has accedido. Si no vuelves a {{app}} en unos segundos, pulsa Continuar.',
  'oidc.continue.action': 'Continuar',
  'oidc.expired.title': 'Esta solicitud de acceso ha caducado',
  'oidc.expired.body': 'Vuelve a la aplicación desde la que venías y empieza de nuevo.',
  'oidc.error.title': 'La aplicación no ha podido conectarse',
  'oidc.error.body':
    'La aplicación ha enviado una solicitud que no podemos aceptar. Vuelve a ella e inténtalo otra vez; si se repite, avisa a quien la ofrece.',
  'oidc.error.reference': 'Código del error: {{code}}',
  'oidc.logout.title': '¿Cerrar la sesión?',
  'oidc.logout.body': '{{app}} pide cerrar tu sesión de {{brand}}.',
  'oidc.logout.yes': 'Sí, cerrar la sesión',
  'oidc.logout.no': 'No, seguir con la sesión',
  'oidc.logout.done.title': 'Has cerrado la sesión',
  'oidc.logout.done.body': 'Ya puedes cerrar esta ventana o volver al inicio.',
  'oidc.home': 'Ir al inicio',
  'oidc.apps.title': 'Aplicaciones conectadas',
  'oidc.apps.intro':
    'Estas aplicaciones pueden usar tu cuenta para identificarte. Si desconectas una, pierde el acceso al momento; la próxima vez tendrá que pedirte permiso otra vez.',
  'oidc.apps.none': 'Ninguna aplicación usa tu cuenta.',
  'oidc.apps.receives': 'Recibe:',
  'oidc.apps.disconnect': 'Desconectar {{app}}',
  'oidc.apps.disconnected': 'Has desconectado {{app}}: ya no puede usar tu cuenta.',
  'oidc.apps.actingFor': 'En nombre de {{minor}}, menor a tu cargo.',
  'oidc.apps.disconnectFor': 'Desconectar {{app}} para {{minor}}',
  'oidc.apps.disconnectedFor': 'Has desconectado {{app}} para {{minor}}: ya no puede actuar en su nombre.',
  'oidc.apps.back': 'Volver a la seguridad de tu cuenta',
  'oidc.apps.link': 'Aplicaciones conectadas a tu cuenta',
  'field.backchannel_uri_invalid':
    'La dirección de cierre de sesión debe ser https:// (http:// solo en este equipo, localhost), sin fragmento ni credenciales.',
  'field.redirect_uri_combination':
    'El proveedor de identidad no admite estas direcciones juntas: una aplicación web usa solo https:// (sin localhost); una app nativa, su esquema propio. Detalle: {{detail}}',
  'field.logo_uri_invalid': 'El logotipo debe ser una dirección https://, sin fragmento ni credenciales.',
  'field.redirect_uri_invalid':
    'Cada dirección de vuelta debe ser https://, http:// solo en este equipo (localhost) o el esquema propio de una app (es.ejemplo.app:/cb), sin fragmento.',
} as const;

export const oidcEn: Record<keyof typeof oidcEs, string> = {
  'oidc.anApp': 'An app',
  'signin.reauthenticate': 'The app you came from asks you to sign in again, to confirm it is you.',
  'oidc.consent.title': '{{app}} would like to use your account',
  'oidc.consent.lead': 'If you allow it, {{app}} will receive from {{brand}}:',
  'oidc.consent.noHealth': 'No app ever receives your health data: no claims, authorisations or documents.',
  'oidc.consent.lifetime':
    'The permission lasts a year, or until you remove it in Security › Connected apps; the app loses access as soon as you do.',
  'oidc.consent.allow': 'Allow',
  'oidc.consent.deny': 'Don’t allow',
  'oidc.consent.signedInAs': 'You are signed in as {{name}}.',
  'oidc.consent.actingFor':
    '{{app}} will act on behalf of {{minor}}, a minor in your care: it will see their details, not yours, and know that you ({{name}}) are the one acting. The permission ends when {{minor}} turns 18.',
  'oidc.actFor.title': 'Who are you using {{app}} for?',
  'oidc.actFor.lead':
    'You can use {{app}} for yourself or on behalf of a minor in your care. The app will see the details of the person you choose and know that you are the one acting.',
  'oidc.actFor.legend': 'Use {{app}} for',
  'oidc.actFor.self': 'Myself ({{name}})',
  'oidc.actFor.minor': 'On behalf of {{name}}',
  'oidc.scope.openid': 'An identifier for you that only this app uses (not your ID document number).',
  'oidc.scope.profile': 'Your name, date of birth and language.',
  'oidc.scope.email': 'Your email address.',
  'oidc.scope.phone': 'Your mobile number.',
  'oidc.scope.membership': 'Your member number and your policies: number, product, status and end date.',
  'oidc.scope.offline_access': 'Keeping access while you are not using the app, until you remove it.',
  'oidc.scopeFor.openid': 'An identifier for {{minor}} that only this app uses (not their ID document number).',
  'oidc.scopeFor.profile': '{{minor}}’s name and date of birth, and your language.',
  'oidc.scopeFor.membership': '{{minor}}’s member number and policy: number, product, status and end date.',
  'oidc.scopeFor.offline_access':
    'Keeping access while you are not using the app, until you remove it or {{minor}} turns 18.',
  'oidc.scopeFor.noContact': 'Not your email address or mobile number: an app acting for a minor never receives them.',
  'oidc.continue.title': 'Returning to {{app}}',
  'oidc.continue.body': 'You are signed in. If you are not back in {{app}} in a few seconds, select Continue.',
  'oidc.continue.action': 'Continue',
  'oidc.expired.title': 'This sign-in request has expired',
  'oidc.expired.body': 'Go back to the app you came from and start again.',
  'oidc.error.title': 'The app could not connect',
  'oidc.error.body':
    'The app sent a request we cannot accept. Go back to it and try again; if it happens again, tell whoever provides it.',
  'oidc.error.reference': 'Error code: {{code}}',
  'oidc.logout.title': 'Sign out?',
  'oidc.logout.body': '{{app}} asks to sign you out of {{brand}}.',
  'oidc.logout.yes': 'Yes, sign me out',
  'oidc.logout.no': 'No, stay signed in',
  'oidc.logout.done.title': 'You have signed out',
  'oidc.logout.done.body': 'You can close this window or go to the home page.',
  'oidc.home': 'Go to the home page',
  'oidc.apps.title': 'Connected apps',
  'oidc.apps.intro':
    'These apps may use your account to sign you in. If you disconnect one, it loses access at once; next time it will have to ask for your permission again.',
  'oidc.apps.none': 'No app uses your account.',
  'oidc.apps.receives': 'It receives:',
  'oidc.apps.disconnect': 'Disconnect {{app}}',
  'oidc.apps.disconnected': 'You disconnected {{app}}: it can no longer use your account.',
  'oidc.apps.actingFor': 'On behalf of {{minor}}, a minor in your care.',
  'oidc.apps.disconnectFor': 'Disconnect {{app}} for {{minor}}',
  'oidc.apps.disconnectedFor': 'You disconnected {{app}} for {{minor}}: it can no longer act on their behalf.',
  'oidc.apps.back': 'Back to your account security',
  'oidc.apps.link': 'Apps connected to your account',
  'field.backchannel_uri_invalid':
    'The logout address must be https:// (http:// only on this machine, localhost), with no fragment or credentials.',
  'field.redirect_uri_combination':
    'The identity provider does not accept these addresses together: a web app uses https:// only (not localhost); a native app, its own scheme. Detail: {{detail}}',
  'field.logo_uri_invalid': 'The logo must be an https:// address, with no fragment or credentials.',
  'field.redirect_uri_invalid':
    'Each redirect address must be https://, http:// only on this machine (localhost) or an app’s own scheme (es.example.app:/cb), with no fragment.',
};
