import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** What the agent talks to: an app (inject) or a real server over HTTP (`httpTarget` in http-target.ts). */
export type Target = Pick<FastifyInstance, 'inject'>;

/**
 * A scripted browser for inject tests: keeps its cookies like a real one and posts forms with the CSRF token of
 * the last page it read. Two agents are two browsers.
 */
export class BrowserAgent {
  readonly cookies: Record<string, string> = {};
  private token: string | undefined;
  last!: LightMyRequestResponse;

  constructor(
    private readonly app: Target,
    private readonly headers: Record<string, string> = {},
  ) {}

  private keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      if (c.value === '' || c.maxAge === 0 || (c.expires && c.expires.getTime() < Date.now() - 1000 * 3600 * 24 * 365))
        delete this.cookies[c.name];
      else this.cookies[c.name] = c.value;
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.token = token;
    this.last = res;
    return res;
  }

  async get(url: string): Promise<LightMyRequestResponse> {
    return this.keep(await this.app.inject({ method: 'GET', url, cookies: this.cookies, headers: this.headers }));
  }

  /** A form post; a field given as a list is sent once per value, as ticked checkboxes of one name are. */
  async post(url: string, fields: Record<string, string | string[]>): Promise<LightMyRequestResponse> {
    // A page with a form hands out the CSRF token, as a real browser would have read it before posting.
    if (!this.token) await this.get('/register');
    const form = new URLSearchParams({ _csrf: this.token ?? '' });
    for (const [name, value] of Object.entries(fields))
      for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
    const payload = form.toString();
    return this.keep(
      await this.app.inject({
        method: 'POST',
        url,
        cookies: this.cookies,
        headers: { ...this.headers, 'content-type': 'application/x-www-form-urlencoded' },
        payload,
      }),
    );
  }
}
