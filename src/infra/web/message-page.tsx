import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface MessageProps {
  title: string;
  body: string;
  action: { href: string; label: string };
}

/** One thing said and one way on: the body of a message page, member or back office. */
export function Message({ title, body, action }: MessageProps) {
  return (
    <>
      <h1>{title}</h1>
      <p class="lead">{body}</p>
      <p>
        <a class="button" href={action.href}>
          {action.label}
        </a>
      </p>
    </>
  );
}

/** A page that says one thing and offers one way on (an expired link, a wrong browser, …). */
export function MessagePage({ ctx, ...message }: { ctx: PageContext } & MessageProps) {
  return (
    <Layout ctx={ctx} title={message.title}>
      <Message {...message} />
    </Layout>
  );
}
