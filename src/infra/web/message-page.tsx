import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

/** A page that says one thing and offers one way on (an expired link, a wrong browser, …). */
export function MessagePage({ ctx, title, body, action }: { ctx: PageContext; title: string; body: string; action: { href: string; label: string } }) {
  return (
    <Layout ctx={ctx} title={title}>
      <h1>{title}</h1>
      <p class="lead">{body}</p>
      <p>
        <a class="button" href={action.href}>
          {action.label}
        </a>
      </p>
    </Layout>
  );
}
