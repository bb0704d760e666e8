import type { ComponentChildren } from 'preact';
import { render } from 'preact-render-to-string';
import type { PageContext } from '../infra/web/page-context.js';

// R27: the small parts every passkey form shares (the member's security page, sign-in, the staff's pages), for the
// passkey script in public/passkey.js.

/** The data-* texts the passkey script shows while a ceremony runs (no text lives in the script). */
export const passkeyMessages = (ctx: PageContext): Record<string, string> => ({
  'msg-waiting': ctx.t('passkey.msg.waiting'),
  'msg-cancelled': ctx.t('passkey.msg.cancelled'),
  'msg-refused': ctx.t('passkey.msg.refused'),
  'msg-unsupported': ctx.t('passkey.unsupported'),
});

/** Where the script writes how the ceremony goes; read out by screen readers. */
export const PasskeyStatus = () => <p class="hint" data-passkey-status role="status" aria-live="polite" />;

/** Said where passkeys cannot work (no script, or a browser without WebAuthn); the script hides it elsewhere. */
export const PasskeyUnsupported = ({ ctx }: { ctx: PageContext }) => (
  <p class="hint" data-passkey-when="unsupported">
    {ctx.t('passkey.unsupported')}
  </p>
);

/**
 * Markup that only works with the passkey script, sent as an inert HTML template (a script element of type
 * text/html: never executed, and skipped by text browsers, which would otherwise show a button that cannot work
 * without scripts); the script puts it in the page only where the browser can use a passkey. Preact has escaped
 * every value in it, so it holds no "</script" of anyone's making; the replace is a guard all the same.
 */
export function ScriptOnly({ children }: { children: ComponentChildren }) {
  const markup = render(<>{children}</>);
  return (
    <script
      type="text/html"
      data-passkey-template=""
      dangerouslySetInnerHTML={{ __html: markup.replace(/<\/script/gi, '<\\/script') }}
    />
  );
}
