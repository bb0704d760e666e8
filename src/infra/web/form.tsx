import type { ComponentChildren } from 'preact';
import type { PageContext } from './page-context.js';

/** A POST form that carries its CSRF token; every state-changing form in the portal is one of these. */
export function Form({ ctx, action, children, id, class: className }: { ctx: PageContext; action: string; children: ComponentChildren; id?: string; class?: string }) {
  return (
    <form method="post" action={action} noValidate {...(id ? { id } : {})} {...(className ? { class: className } : {})}>
      <input type="hidden" name="_csrf" value={ctx.csrfToken()} />
      {children}
    </form>
  );
}
