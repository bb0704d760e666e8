import { LogController, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify';
import type { Config } from '../../config.js';

// Secrets must never reach the logs (R22): cookies and auth headers are redacted, query strings dropped, and any
// long opaque path segment (a reset or sign-in link token) is masked.
const TOKEN_SEGMENT = /\/[A-Za-z0-9_-]{20,}(?=\/|$)/g;

export function safeUrl(url: string): string {
  const [path = '', query] = url.split('?');
  return path.replace(TOKEN_SEGMENT, '/[redacted]') + (query ? '?[…]' : '');
}

/**
 * Pino's options: JSON lines for production and tests; in development, where a person reads the console, the same
 * records as readable lines (issue 25), so a page load is a few short lines, not a wall of JSON.
 */
export function loggerOptions(
  config: Config,
  out: (text: string) => void = (text) => process.stdout.write(text),
): FastifyServerOptions['logger'] {
  if (config.logLevel === 'silent') return false;
  return {
    level: config.logLevel,
    ...(config.env === 'development' ? { stream: { write: (line: string) => out(readableLine(line)) } } : {}),
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'res.headers["set-cookie"]',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return { id: request.id, method: request.method, url: safeUrl(request.url), ip: request.ip };
      },
    },
  };
}

/**
 * Fastify's request log as one line per request, written when it is answered (issue 25): no "incoming request"
 * line; the "request completed" (or "request errored") line names the request, its answer and the time taken.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}

  // The completed line says 404 already; Fastify's own line would repeat the raw URL, query and tokens included.
  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (this.isLogDisabled(request)) return;
    const responseTime = Math.round(reply.elapsedTime * 10) / 10;
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime }, 'request completed');
  }
}

const LEVELS: Readonly<Record<number, string>> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

interface LogRecord {
  level?: number;
  time?: number;
  msg?: string;
  reqId?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { stack?: string };
  [key: string]: unknown;
}

/**
 * One pino JSON line as a person reads it: `12:04:05 INFO  GET /register 200 4.2 ms #<reqId>` for a request, the
 * message and its other fields for anything else, an error's stack indented below it. Already redacted: it formats
 * what pino serialised.
 */
export function readableLine(json: string): string {
  let record: LogRecord;
  try {
    record = JSON.parse(json) as LogRecord;
  } catch {
    return json;
  }
  const { level, time, msg, reqId, req, res, responseTime, err, ...others } = record;
  // The process id and host name are the same on every line of a console: left out.
  const rest = Object.fromEntries(Object.entries(others).filter(([key]) => key !== 'pid' && key !== 'hostname'));
  const clock = new Date(time ?? Date.now()).toTimeString().slice(0, 8);
  const head = `${clock} ${(LEVELS[level ?? 30] ?? String(level)).padEnd(5)}`;
  const id = reqId ? ` #${reqId}` : '';
  if ((msg === 'request completed' || msg === 'request errored') && req && res && !err)
    return `${head} ${req.method} ${req.url} ${res.statusCode} ${responseTime} ms${id}\n`;
  const fields = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const stack = err?.stack ? `\n${err.stack.replace(/^/gm, '    ')}` : '';
  return `${head} ${msg ?? ''}${id}${fields}${stack}\n`;
}
