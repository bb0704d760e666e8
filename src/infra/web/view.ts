import type { FastifyReply } from 'fastify';
import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';

/** Renders a page component to HTML and sends it; views escape every value (Preact), so no template injects markup. */
export function sendPage(reply: FastifyReply, page: VNode, status = 200): FastifyReply {
  return reply
    .status(status)
    .type('text/html; charset=utf-8')
    .send('<!doctype html>' + render(page));
}
