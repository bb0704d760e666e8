import type { FastifyReply } from 'fastify';

// STYLE habit 20, R31: the one module that hands a stored file out. Always as an attachment, never rendered by the
// browser: a PDF with scripts or an image that is really HTML must not run in the portal's origin. nosniff keeps the
// browser to the stored type; the sandboxing CSP covers a browser that opens it anyway, and no page may frame it;
// no-store keeps health documents out of shared caches and the browser's cache. Who may download (member, guardian,
// staff with a reason, the core system) and the audit are decided by the caller before calling sendAttachment.

/** `attachment; filename="ascii fallback"; filename*=UTF-8''percent-encoded` (RFC 6266, RFC 8187). */
export function attachmentDisposition(name: string): string {
  // The fallback for old clients: ASCII only, no quote or backslash (they would end or escape the quoted string).
  const ascii = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]|["\\%]/g, '_');
  // RFC 8187 attr-char: ALPHA / DIGIT / "!#$&+-.^_`|~"; everything else percent-encoded as UTF-8.
  const encoded = Array.from(new TextEncoder().encode(name), (b) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9!#$&+\-.^_`|~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** The headers every download carries, whatever the file. */
export function attachmentHeaders(file: { name: string; content_type: string; size: number }): Record<string, string> {
  return {
    'content-type': file.content_type,
    'content-length': String(file.size),
    'content-disposition': attachmentDisposition(file.name),
    'x-content-type-options': 'nosniff',
    'content-security-policy': "sandbox; default-src 'none'; frame-ancestors 'none'",
    'cache-control': 'no-store',
    'cross-origin-resource-policy': 'same-origin',
  };
}

/** Sends opened bytes as an attachment with the stored name and type. */
export function sendAttachment(
  reply: FastifyReply,
  file: { name: string; content_type: string },
  bytes: Buffer,
): FastifyReply {
  return reply
    .headers(attachmentHeaders({ ...file, size: bytes.length }))
    .code(200)
    .send(bytes);
}
