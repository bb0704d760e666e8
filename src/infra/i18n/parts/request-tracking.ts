// R31: the status email (reference and link only, STYLE habit 19) and the back office's read-only request pages.
// Both languages (R20); the English half is typed against the Spanish keys.
export const requestTrackingEs = {
  'email.requestStatus.subject': 'Novedades en tu solicitud {{reference}}',
  'email.requestStatus.body': 'Tu solicitud {{reference}} ha cambiado de estado.',
  'email.requestStatus.signIn':
    'Por tu privacidad no incluimos los detalles en este correo: entra en tu área privada para verlos.',
  'email.requestStatus.cta': 'Ver la solicitud {{reference}}',
} as const;

export const requestTrackingEn: Record<keyof typeof requestTrackingEs, string> = {
  'email.requestStatus.subject': 'News about your request {{reference}}',
  'email.requestStatus.body': 'The status of your request {{reference}} has changed.',
  'email.requestStatus.signIn':
    'To protect your privacy this email leaves the details out: sign in to your private area to see them.',
  'email.requestStatus.cta': 'See request {{reference}}',
};
