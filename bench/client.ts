import { Agent, request, type IncomingHttpHeaders } from 'node:http';

// A small scripted browser over plain http: it keeps cookies itself (production cookies are `__Host-` and Secure,
// which a real browser would not send over http to 127.0.0.1) and posts forms with the page's CSRF token.

const agent = new Agent({ keepAlive: true, maxSockets: 1024 });

export interface Response {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export function httpRequest(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string | Buffer,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export class Browser {
  readonly cookies = new Map<string, string>();
  private token = '';

  /** `port()` picks the node for each request (round robin across nodes behind one address). */
  constructor(
    private readonly port: () => number,
    private readonly ip: string,
  ) {}

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): Response {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = attrs.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()),
      );
      if (!value || gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
    if (token) this.token = token;
    return res;
  }

  private headers(): Record<string, string> {
    return {
      cookie: this.cookieHeader(),
      'x-forwarded-for': this.ip,
      'user-agent': 'member-area-bench',
      'accept-language': 'es',
    };
  }

  async get(path: string): Promise<Response> {
    return this.keep(await httpRequest(this.port(), 'GET', path, this.headers()));
  }

  /** A multipart form as a browser sends it: the CSRF token first, the fields in order, then the files. */
  async postMultipart(
    path: string,
    fields: Record<string, string>,
    files: { field: string; name: string; type: string; bytes: Buffer }[],
  ): Promise<Response> {
    const boundary = `----bench${Math.random().toString(16).slice(2)}`;
    const chunks: Buffer[] = [];
    for (const [name, value] of Object.entries({ _csrf: this.token, ...fields }))
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
    for (const f of files)
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${f.field}"; filename="${f.name}"\r\nContent-Type: ${f.type}\r\n\r\n`,
        ),
        f.bytes,
        Buffer.from('\r\n'),
      );
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return this.keep(
      await httpRequest(
        this.port(),
        'POST',
        path,
        { ...this.headers(), 'content-type': `multipart/form-data; boundary=${boundary}` },
        Buffer.concat(chunks),
      ),
    );
  }

  async post(path: string, fields: Record<string, string>): Promise<Response> {
    const body = new URLSearchParams({ _csrf: this.token, ...fields }).toString();
    return this.keep(
      await httpRequest(
        this.port(),
        'POST',
        path,
        { ...this.headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      ),
    );
  }
}

function expect(res: Response, status: number, location: string | undefined, step: string): void {
  if (res.status !== status || (location !== undefined && res.headers.location !== location)) {
    throw new Error(
      `${step}: expected ${status}${location ? ` → ${location}` : ''}, got ${res.status}${res.headers.location ? ` → ${res.headers.location}` : ''}`,
    );
  }
}

/** Milliseconds spent in each step of the sign-ins, summed, and how many sign-ins they cover. */
export class StepTimes {
  readonly totals = new Map<string, number>();
  count = 0;
  async time<T>(step: string, run: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await run();
    } finally {
      this.totals.set(step, (this.totals.get(step) ?? 0) + performance.now() - t);
    }
  }
  /** The mean milliseconds of each step per sign-in. */
  means(): Record<string, number> {
    return Object.fromEntries(
      [...this.totals].map(([step, ms]) => [step, Math.round((10 * ms) / Math.max(1, this.count)) / 10]),
    );
  }
}

/**
 * One full two-step sign-in as a browser does it (R7): the form, the password, the channel page, the email channel,
 * the code page, and the code read from the outbox; ends on the redirect to /area with a session cookie. A member with
 * a preferred channel (issue 32) skips the channel page: the password step sends the code.
 */
export async function signIn(
  browser: Browser,
  username: string,
  password: string,
  readCode: () => Promise<string>,
  steps: StepTimes = new StepTimes(),
): Promise<void> {
  const step = (name: string, run: () => Promise<Response>, status: number, location?: string) =>
    steps.time(name, async () => expect(await run(), status, location, name));
  await step('GET /sign-in', () => browser.get('/sign-in'), 200);
  const passwordStep = await steps.time('POST /sign-in', () => browser.post('/sign-in', { username, password }));
  // Issue 32: a member with a preferred channel gets the code at once; the others choose email first.
  if (passwordStep.headers.location !== '/sign-in/verify?sent=1') {
    expect(passwordStep, 303, '/sign-in/verify', 'POST /sign-in');
    await step('GET /sign-in/verify', () => browser.get('/sign-in/verify'), 200);
    await step(
      'POST /sign-in/verify/send',
      () => browser.post('/sign-in/verify/send', { channel: 'email' }),
      303,
      '/sign-in/verify?sent=1',
    );
  } else expect(passwordStep, 303, undefined, 'POST /sign-in');
  await step('GET /sign-in/verify?sent=1', () => browser.get('/sign-in/verify?sent=1'), 200);
  const code = await steps.time('the code reaching the inbox', readCode);
  await step('POST /sign-in/verify/code', () => browser.post('/sign-in/verify/code', { code }), 303, '/area');
  steps.count++;
}

/**
 * A sign-in with a passkey alone (R27), as the passkey script does it: the sign-in page, a challenge, the
 * authenticator's answer (from `answer`), posted; ends on the redirect to /area with a session cookie.
 */
export async function passkeySignIn(browser: Browser, answer: (options: unknown) => unknown): Promise<void> {
  expect(await browser.get('/sign-in'), 200, undefined, 'GET /sign-in');
  const options = await browser.post('/sign-in/passkey/options', {});
  expect(options, 200, undefined, 'POST /sign-in/passkey/options');
  expect(
    await browser.post('/sign-in/passkey', { response: JSON.stringify(answer(JSON.parse(options.body))) }),
    303,
    '/area',
    'POST /sign-in/passkey',
  );
}
