import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Target } from './browser-agent.js';

interface ParsedCookie {
  name: string;
  value: string;
  maxAge?: number;
  expires?: Date;
}

function parseSetCookie(header: string): ParsedCookie {
  const [pair = '', ...attributes] = header.split(';');
  const eq = pair.indexOf('=');
  const cookie: ParsedCookie = { name: pair.slice(0, eq).trim(), value: decodeURIComponent(pair.slice(eq + 1).trim()) };
  for (const a of attributes) {
    const [k = '', v = ''] = a.split('=');
    if (k.trim().toLowerCase() === 'max-age') cookie.maxAge = Number(v);
    if (k.trim().toLowerCase() === 'expires') cookie.expires = new Date(v);
  }
  return cookie;
}

/**
 * A BrowserAgent target that speaks HTTP to a running server (for tests of real processes: the cluster). `baseUrl`
 * may change between requests: the same browser, its cookies and all, talking to another node.
 */
export function httpTarget(baseUrl: string): Target & { baseUrl: string } {
  const target = {
    baseUrl,
    async inject(opts: InjectOptions | string): Promise<LightMyRequestResponse> {
      const o = typeof opts === 'string' ? { url: opts } : opts;
      const headers = new Headers(o.headers as Record<string, string> | undefined);
      const cookies = Object.entries((o.cookies ?? {}) as Record<string, string>);
      if (cookies.length) headers.set('cookie', cookies.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; '));
      const res = await fetch(`${target.baseUrl}${String(o.url)}`, {
        method: o.method ?? 'GET',
        headers,
        redirect: 'manual',
        ...(o.payload !== undefined
          ? { body: Buffer.isBuffer(o.payload) ? new Uint8Array(o.payload) : String(o.payload) }
          : {}),
      });
      const body = await res.text();
      const responseHeaders: Record<string, string> = {};
      res.headers.forEach((v, k) => (responseHeaders[k] = v));
      return {
        statusCode: res.status,
        headers: responseHeaders,
        body,
        cookies: res.headers.getSetCookie().map(parseSetCookie),
        json: () => JSON.parse(body) as unknown,
      } as unknown as LightMyRequestResponse;
    },
  };
  return target as Target & { baseUrl: string };
}
