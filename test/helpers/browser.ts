import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import type { DatabaseKind } from './databases.js';
import { setup, type SetupOptions, type TestContext } from './setup.js';

// Browser tests drive Debian's Chromium through playwright-core; no browser is downloaded.
export const CHROMIUM_PATH = '/usr/bin/chromium';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/**
 * Why the browser tests cannot run here, or undefined when they can. Outside CI a missing Chromium skips them;
 * in CI it is an error, since a silent skip would hide the whole suite.
 */
export function browserUnavailable(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined;
  return `Chromium is not installed at ${CHROMIUM_PATH} (apt-get install chromium); browser tests skipped`;
}

/**
 * The `skip` of a Chromium suite: the reason where Chromium is missing on a developer's machine; in CI, which must
 * run every browser test, its absence is a failing test instead.
 */
export function chromiumSkip(): string | false {
  const unavailable = browserUnavailable();
  if (unavailable && process.env.CI)
    test('Chromium is installed for the browser tests', () =>
      assert.fail(unavailable.replace('; browser tests skipped', '')));
  return unavailable && !process.env.CI ? unavailable : false;
}

export interface RunningServer {
  /** http://127.0.0.1:<port>, no trailing slash. */
  baseUrl: string;
  ctx: TestContext;
  close(): Promise<void>;
}

/** A TCP port free on this machine just now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The app on a fresh database (in-memory SQLite unless `kind` says PostgreSQL), listening on a free local port;
 * `options` go to setup() (for example real `transports`, to read the codes from a test SMTP server and SMS receiver).
 * With `localhost`, the app's public address is http://localhost:<port> and the browser uses it: WebAuthn takes no IP
 * address as a relying party (R27's passkey tests).
 */
export async function startServer(
  options: SetupOptions = {},
  { localhost = false, kind = 'sqlite' }: { localhost?: boolean; kind?: DatabaseKind } = {},
): Promise<RunningServer> {
  const port = localhost ? await freePort() : 0;
  const ctx = await setup(
    kind,
    localhost ? { ...options, env: { ...options.env, PUBLIC_URL: `http://localhost:${port}` } } : options,
  );
  try {
    const listening = await ctx.app.listen({ port, host: '127.0.0.1' });
    return { baseUrl: localhost ? `http://localhost:${port}` : listening, ctx, close: () => ctx.close() };
  } catch (err) {
    await ctx.close();
    throw err;
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * Collects what a page must never show: CSP violations the console reports into `csp`, uncaught errors into `errors`.
 */
export function watchPage(page: Page, csp: string[], errors: string[] = csp): void {
  page.on('console', (msg: ConsoleMessage) => {
    if (/Content Security Policy/i.test(msg.text())) csp.push(`${page.url()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${page.url()}: ${err.message}`));
}

/** Clicks and waits for the page the click leads to (after any 303); returns that page's status. */
export async function clickAndLoad(page: Page, selector: string): Promise<number | undefined> {
  const [res] = await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), page.click(selector)]);
  return res?.status();
}

/** R21: nothing scrolls sideways; and axe finds nothing (skipped with `axe: false`, e.g. with scripts off). */
export async function checkPage(page: Page, what: string, options: { axe?: boolean } = {}): Promise<void> {
  const { scrollWidth, innerWidth } = (await page.evaluate(
    '({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })',
  )) as {
    scrollWidth: number;
    innerWidth: number;
  };
  assert.ok(
    scrollWidth <= innerWidth,
    `${what}: the page scrolls sideways: scrollWidth ${scrollWidth} > innerWidth ${innerWidth}`,
  );
  if (options.axe === false) return;
  const { violations, summary } = await checkA11y(page);
  assert.equal(violations.length, 0, `${what}\n${summary}`);
}

export interface A11yViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

export interface A11yReport {
  violations: A11yViolation[];
  /** One line per violation and node, for assertion messages; empty when there are none. */
  summary: string;
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/** WCAG 2.0 and 2.1, levels A and AA. */
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Runs axe-core on the page as loaded. The pages' CSP forbids inline scripts, so axe is evaluated through the
 * DevTools protocol (page.evaluate), which the CSP does not govern; the page keeps its CSP, so a test can still
 * watch for CSP violations while it audits.
 */
export async function checkA11y(page: Page): Promise<A11yReport> {
  axeSource ??= readFile(require.resolve('axe-core'), 'utf8');
  const source = await axeSource;
  const present = await page.evaluate('typeof window.axe === "object"');
  if (!present) await page.evaluate(source);
  const result = (await page.evaluate(
    `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(AXE_TAGS)} }, resultTypes: ['violations'] })`,
  )) as { violations: A11yViolation[] };
  const violations = result.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({
      target: n.target,
      ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}),
    })),
  }));
  return { violations, summary: summarize(page.url(), violations) };
}

function summarize(url: string, violations: A11yViolation[]): string {
  if (violations.length === 0) return '';
  const lines = [`axe found ${violations.length} violation(s) on ${url}:`];
  for (const v of violations) {
    lines.push(`- ${v.id} [${v.impact ?? 'n/a'}] ${v.help} (${v.helpUrl})`);
    for (const n of v.nodes) {
      lines.push(
        `    ${JSON.stringify(n.target)}${n.failureSummary ? ': ' + n.failureSummary.replace(/\s+/g, ' ') : ''}`,
      );
    }
  }
  return lines.join('\n');
}
