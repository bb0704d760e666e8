// R30: the demo brand's legal texts, an example of what an insurer's brand file carries (legal.privacy, …): each
// either the address of the insurer's own page or, as here, the text in both languages. Written for the fictitious
// "Salud Ejemplo"; an insurer replaces them with its own, reviewed by its lawyers and its data protection officer.
export const DEMO_LEGAL = {
  privacy: {
    es: `Salud Ejemplo, S.A. (ejemplo ficticio), es la responsable del tratamiento de los datos que usas en esta área privada. Puedes escribir a su delegado de protección de datos en dpd@salud-ejemplo.example.

Tratamos tus datos de asegurado (nombre, número de asegurado y de póliza, fecha de nacimiento, documento de identidad, datos de contacto) para darte acceso a tu área privada, mostrarte tus pólizas y tu tarjeta, y protegerte frente a accesos indebidos. La base jurídica es el contrato de seguro y nuestra obligación de mantener tus datos seguros.

Registramos cada acceso y cada cambio de seguridad (fecha, dirección de conexión y navegador) para detectar y aclarar usos indebidos. No cedemos tus datos a terceros salvo obligación legal, y los proveedores que nos ayudan (correo y SMS) solo reciben lo necesario para enviarte los mensajes.

Puedes ejercer tus derechos de acceso, rectificación, supresión, oposición, limitación y portabilidad escribiendo a dpd@salud-ejemplo.example, y reclamar ante la Agencia Española de Protección de Datos.`,
    en: `Salud Ejemplo, S.A. (a fictitious example) is the controller of the data you use in this private area. You can write to its data protection officer at dpd@salud-ejemplo.example.

We process your member data (name, member and policy numbers, date of birth, identity document, contact details) to give you access to your private area, show you your policies and your card, and protect you against unauthorised access. The legal basis is the insurance contract and our duty to keep your data secure.

We record each sign-in and each security change (date, connection address and browser) to detect and clear up misuse. We do not share your data with third parties unless the law requires it, and the providers who help us (email and text messages) receive only what they need to send you our messages.

You can exercise your rights of access, rectification, erasure, objection, restriction and portability by writing to dpd@salud-ejemplo.example, and complain to the Spanish Data Protection Agency (AEPD).`,
  },
  legalNotice: {
    es: `Este sitio es de Salud Ejemplo, S.A. (ejemplo ficticio), con domicilio en Calle Ejemplo 1, 28000 Madrid, NIF A00000000, inscrita en el Registro Mercantil de Madrid y autorizada como entidad aseguradora por la Dirección General de Seguros y Fondos de Pensiones.

Los contenidos de esta área privada son para el uso personal de los asegurados. Para cualquier consulta, escribe a atencion.cliente@salud-ejemplo.example.`,
    en: `This website belongs to Salud Ejemplo, S.A. (a fictitious example), registered at Calle Ejemplo 1, 28000 Madrid, tax number A00000000, entered in the Madrid Companies Register and authorised as an insurer by the Directorate-General for Insurance and Pension Funds.

The contents of this private area are for the personal use of members. For any question, write to atencion.cliente@salud-ejemplo.example.`,
  },
  cookies: {
    es: `Esta área privada solo usa cookies técnicas, necesarias para que funcione, y por eso no te pedimos consentimiento: una cookie de sesión cuando entras (dura lo que tu sesión), cookies que protegen cada formulario frente a envíos falsos y que ligan cada paso de un trámite a tu navegador (duran lo que el trámite), y una cookie que recuerda tu idioma (un año).

No usamos cookies de análisis, de publicidad ni de terceros.`,
    en: `This private area uses only technical cookies, which it needs to work, and so we do not ask for your consent: a session cookie when you sign in (it lasts as long as your session), cookies that protect each form from forged submissions and tie each step of a process to your browser (they last as long as the process), and a cookie that remembers your language (one year).

We use no analytics, advertising or third-party cookies.`,
  },
  accessibility: {
    es: `Salud Ejemplo se compromete a hacer accesible esta área privada, conforme al Real Decreto 1112/2018 y a la norma UNE-EN 301549:2022, y en la línea del Real Decreto 193/2023.

Situación de cumplimiento: parcialmente conforme. Las páginas se prueban de forma automática con axe en cada versión (WCAG 2.1 AA), con anchos desde 320 píxeles, con el teclado, sin JavaScript y con un navegador de solo texto. Aún no se ha hecho una revisión completa por expertos.

Si encuentras una barrera, o necesitas la información en otro formato, escribe a atencion.cliente@salud-ejemplo.example; te responderemos en un plazo máximo de 20 días hábiles. Si la respuesta no te satisface, puedes presentar una reclamación ante la autoridad competente.`,
    en: `Salud Ejemplo is committed to making this private area accessible, in line with Royal Decree 1112/2018 and standard EN 301 549:2022, and with Royal Decree 193/2023.

Compliance status: partially compliant. The pages are tested automatically with axe in every release (WCAG 2.1 AA), at widths from 320 pixels, with the keyboard, without JavaScript and with a text-only browser. A full expert review has not been done yet.

If you find a barrier, or need the information in another format, write to atencion.cliente@salud-ejemplo.example; we will answer within 20 working days at most. If you are not satisfied with the answer, you can complain to the competent authority.`,
  },
} as const;
