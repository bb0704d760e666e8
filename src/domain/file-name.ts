// STYLE habit 20, R31: the name a member's file is shown and downloaded under. The name a browser sends is input
// like any other: it may carry a path ("../../etc/passwd"), control characters, or a right-to-left override that
// shows "invoice‮fdp.exe" as "invoiceexe.pdf". What is kept is a plain display name whose extension is the
// one the file's bytes say (the type is judged by the bytes, never by this name).

/** Longest display name kept, in characters (extension included). */
export const MAX_FILE_NAME = 100;

// Cc: control characters; Cf: format characters (bidi overrides and isolates, zero-width joiners, BOM); Zl/Zp:
// line and paragraph separators. None belongs in a file name.
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
// Characters Windows refuses in a name, and the path separators.
const RESERVED = /[<>:"/\\|?*]/g;
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com\d|lpt\d)$/i;
const KNOWN_EXT = /\.(pdf|jpe?g|png)$/i;

/** A safe display name for an uploaded file: no path, no invisible characters, `ext` (e.g. "pdf") as extension. */
export function safeFileName(input: string, ext: string, fallback = 'document'): string {
  // Only the last path segment is a name; both separators, since a Windows browser may send "C:\\x\\y.pdf".
  const last = input.slice(0, 1000).split(/[/\\]/).pop() ?? '';
  let base = last
    .normalize('NFC')
    .replace(INVISIBLE, '')
    .replace(RESERVED, '_')
    .replace(/\s+/gu, ' ')
    .replace(KNOWN_EXT, '')
    .replace(/^[\s.]+|[\s.]+$/gu, '');
  if (WINDOWS_DEVICE.test(base)) base = `_${base}`;
  const suffix = `.${ext}`;
  const room = MAX_FILE_NAME - suffix.length;
  // Cut by code points, never inside a surrogate pair.
  const chars = [...base];
  if (chars.length > room)
    base = chars
      .slice(0, room)
      .join('')
      .replace(/[\s.]+$/u, '');
  return `${base === '' ? fallback : base}${suffix}`;
}
