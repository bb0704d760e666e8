import type { FieldError } from '../../domain/result.js';
import { errorText, formText } from '../web/form.js';
import type { PageContext } from '../web/page-context.js';
import { NOSCRIPT_MIN_WAIT_MS } from './captcha.js';
import { ALTCHA_ASSETS, CAPTCHA_SETUP_SCRIPT } from './captcha.routes.js';

declare module 'preact' {
  // Preact types custom elements by augmenting its JSX namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace JSX {
    interface IntrinsicElements {
      /** The ALTCHA widget (R10): the attributes altcha 3.x observes. */
      'altcha-widget': {
        id?: string;
        challenge: string;
        name: string;
        language?: string;
        configuration?: string;
        auto?: 'off' | 'onfocus' | 'onload' | 'onsubmit';
        type?: 'native' | 'checkbox' | 'switch';
      };
    }
  }
}

/**
 * The scripts a page with a CaptchaField must load (Layout's `scripts`, as modules, in this order): the widget's
 * Spanish strings, the widget, then ours that registers its worker from our origin (CSP: no blob: workers).
 */
export const CAPTCHA_SCRIPTS: string[] = [ALTCHA_ASSETS.spanish, ALTCHA_ASSETS.script, CAPTCHA_SETUP_SCRIPT];

/** The widget's stylesheet; CaptchaField links it itself (the widget may not inject a <style> under our CSP). */
export const CAPTCHA_STYLESHEET: string = ALTCHA_ASSETS.stylesheet;

/** The form field the widget fills with its solution. */
export const CAPTCHA_FIELD_NAME = 'altcha';
/** The field of the waiting token, for browsers where the widget does not run (R21). */
const CAPTCHA_FALLBACK_NAME = 'altcha_noscript';

/** What a form sent for the captcha, for captcha.verify(): the widget's solution, else the waiting token. */
export function captchaAnswer(body: unknown): string | undefined {
  return formText(body, CAPTCHA_FIELD_NAME) || formText(body, CAPTCHA_FALLBACK_NAME) || undefined;
}

export interface CaptchaFieldProps {
  ctx: PageContext;
  /** The group's label; defaults to the catalog's "Security check". The widget labels its own checkbox. */
  label?: string;
  /** As for every field: a code the view turns into text (e.g. captcha_missing, captcha_invalid). */
  error?: Pick<FieldError, 'code' | 'params'> | undefined;
}

/** The captcha a form shows after repeated failures (R6, R9, R10): the ALTCHA widget, in the page's language. */
export function CaptchaField({ ctx, label, error }: CaptchaFieldProps) {
  const errorId = error ? `${CAPTCHA_FIELD_NAME}-error` : undefined;
  return (
    <fieldset
      id={CAPTCHA_FIELD_NAME}
      class={`field captcha-field${error ? ' has-error' : ''}`}
      {...(errorId ? { 'aria-describedby': errorId } : {})}
    >
      {/* A stylesheet link is allowed in <body>; Layout has no per-page styles, and CSP forbids the widget's own
          <style>. */}
      <link rel="stylesheet" href={CAPTCHA_STYLESHEET} />
      <legend>{label ?? ctx.t('captcha.label')}</legend>
      {error ? (
        <p class="field-error" id={errorId}>
          {errorText(ctx, error)}
        </p>
      ) : null}
      {/* No "Protected by ALTCHA" footer or logo: both are links out of the portal. */}
      <altcha-widget
        challenge="/captcha/challenge"
        name={CAPTCHA_FIELD_NAME}
        language={ctx.lang}
        configuration='{"hideFooter":true,"hideLogo":true}'
      />
      {/* R21: where the widget never runs (scripts off, a text browser, or an older browser that runs scripts but not
          modules, such as Internet Explorer), this carries a token the server accepts after a short wait, once, and a
          few times an hour per address (captcha.ts). It is not a <noscript>, which an older browser with scripts on
          would hide: public/captcha.js removes it once the widget has started. */}
      <div class="captcha-fallback" data-captcha-fallback="">
        <p class="hint">{ctx.t('captcha.noscript', { seconds: NOSCRIPT_MIN_WAIT_MS / 1000 })}</p>
        {ctx.captchaNoScript ? (
          <input type="hidden" name={CAPTCHA_FALLBACK_NAME} value={ctx.captchaNoScript()} />
        ) : null}
      </div>
    </fieldset>
  );
}
