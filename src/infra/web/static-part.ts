import type { VNode } from 'preact';
import { render } from 'preact-render-to-string';
import type { PageContext } from './page-context.js';

// Issue 32, lever 5: the parts of a page that depend on nothing but the brand and the language (tiles of help text,
// lists of links) are rendered once per language and put into the page as HTML, as the layout's chrome is.
// Preact escapes what it renders, once; the HTML is only ever ours.

const cache = new WeakMap<PageContext['brand'], Map<string, string>>();

/** `part`'s HTML for this brand and language, rendered the first time only; `name` says which part. */
export function staticPart(ctx: PageContext, name: string, part: () => VNode): string {
  let byKey = cache.get(ctx.brand);
  if (!byKey) cache.set(ctx.brand, (byKey = new Map()));
  const key = `${name}|${ctx.lang}`;
  let html = byKey.get(key);
  if (html === undefined) byKey.set(key, (html = render(part())));
  return html;
}
