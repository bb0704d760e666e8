import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import type { Config } from '../../config.js';

// Secrets must never reach the logs (R22): cookies and auth headers are redacted, query strings dropped, and any
// long opaque path segment (a reset or sign-in link token) is masked.
const TOKEN_SEGMENT = /\/[A-Za-z0-9_-]{20,}(?=\/|$)/g;

export function safeUrl(url: string): string {
  const [path = '', query] = url.split('?');
  return path.replace(TOKEN_SEGMENT, '/[redacted]') + (query ? '?[…]' : '');
}

export function loggerOptions(config: Config): FastifyServerOptions['logger'] {
  if (config.logLevel === 'silent') return false;
  return {
    level: config.logLevel,
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
