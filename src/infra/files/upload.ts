import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import { safeFileName } from '../../domain/file-name.js';
import { MAX_FILE_BYTES } from '../../domain/request-files.js';
import { fail, ok } from '../../domain/result.js';
import type { Result } from '../../domain/result.js';
import type { SecretBox } from '../crypto/secret-box.js';
import type { UploadPacer } from './upload-pacer.js';

// STYLE habit 20, R31: the one module that takes a member's file in. A file is what its bytes say: PDF, JPEG or PNG,
// judged by file-type on its first bytes, never by its name or the browser's word (a name or a declared type that
// says otherwise is refused: someone is lying). It is read as a stream and never held beyond its cap: once the cap is
// passed, what was read is dropped and the rest is only drained. Images are decoded and re-encoded by sharp, which
// writes no metadata (EXIF, GPS, XMP, comments gone) after turning the picture upright by its EXIF orientation. What
// is kept is sealed under ENCRYPTION_KEY (R29) with the SHA-256 of the kept bytes.
//
// Memory per upload: while it streams, the bytes read so far, never more than the cap (10 MB) however long the
// stream; past the cap they are dropped and the rest drained. A PDF is then sealed chunk by chunk into one buffer of
// its size, each clear chunk released once sealed, so the live peak stays about the cap plus one chunk (measured:
// 10.0 MB live for 10, 30 and 100 MB streams). An image also has sharp's decoded pixels for the re-encoding, bounded
// by MAX_IMAGE_PIXELS.

export type AllowedType = 'application/pdf' | 'image/jpeg' | 'image/png';

const EXTENSION: Readonly<Record<AllowedType, string>> = {
  'application/pdf': 'pdf',
  'image/jpeg': 'jpg',
  'image/png': 'png',
};
const NAME_EXTENSION: Readonly<Record<string, AllowedType>> = {
  pdf: 'application/pdf',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpe: 'image/jpeg',
  png: 'image/png',
};
const isAllowed = (mime: string): mime is AllowedType => Object.hasOwn(EXTENSION, mime);

/** file-type reads at most this many bytes to decide (its `reader` sample size). */
const HEAD_BYTES = 4100;
/** A complete PDF ends with %%EOF (ISO 32000-1 §7.5.5), possibly followed by a line end or a few bytes of padding. */
const PDF_TAIL_BYTES = 1024;
/** Decoding a 10 MB PNG of 40 000 × 40 000 pixels would take gigabytes: refuse images over this many pixels. */
export const MAX_IMAGE_PIXELS = 50_000_000;
const JPEG_QUALITY = 90;

/** A file as @fastify/multipart gives it: its stream (`part.file`), the name and type the browser claimed. */
export interface IncomingFile {
  readonly file: AsyncIterable<Buffer> & { readonly truncated?: boolean };
  readonly filename: string;
  readonly mimetype: string;
}

/** A file ready to store: its safe display name, type, size and SHA-256 of the kept bytes, and those bytes sealed. */
export interface ReceivedFile {
  readonly name: string;
  readonly content_type: AllowedType;
  readonly size: number;
  readonly sha256: string;
  readonly sealed: Buffer;
}

/** Reads the stream up to maxBytes; beyond it, drops what it read and drains the rest without keeping it. */
async function readCapped(
  stream: IncomingFile['file'],
  maxBytes: number,
  pacer: UploadPacer | undefined,
): Promise<{ chunks: Buffer[]; size: number } | 'too_large'> {
  let chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  try {
    for await (const chunk of stream) {
      const turn = pacer?.take(chunk.length);
      if (turn) await turn;
      if (over) continue;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks = [];
        continue;
      }
      chunks.push(chunk);
    }
  } catch (err) {
    // @fastify/multipart with its default throwFileSizeLimit errors the stream at limits.fileSize.
    if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return 'too_large';
    throw err;
  }
  // With throwFileSizeLimit: false, @fastify/multipart ends the stream at limits.fileSize and marks it truncated.
  return over || stream.truncated ? 'too_large' : { chunks, size };
}

/** The first `n` bytes of a chunked file. */
function head(chunks: readonly Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (const c of chunks) {
    if (size >= n) break;
    out.push(c);
    size += c.length;
  }
  return Buffer.concat(out).subarray(0, n);
}

/** The last `n` bytes of a chunked file. */
function tail(chunks: readonly Buffer[], n: number): Buffer {
  const out: Buffer[] = [];
  let size = 0;
  for (let i = chunks.length - 1; i >= 0 && size < n; i--) {
    out.unshift(chunks[i]!);
    size += chunks[i]!.length;
  }
  const all = Buffer.concat(out);
  return all.subarray(Math.max(0, all.length - n));
}

function claimedType(incoming: IncomingFile): AllowedType | undefined {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(incoming.filename.trim())?.[1]?.toLowerCase();
  return ext === undefined ? undefined : NAME_EXTENSION[ext];
}

/** Whether the name or the declared type says another type than the bytes do. */
function lies(incoming: IncomingFile, actual: AllowedType): boolean {
  const byName = claimedType(incoming);
  if (byName !== undefined && byName !== actual) return true;
  const raw = incoming.mimetype.split(';')[0]!.trim().toLowerCase();
  const declared = raw === 'image/jpg' || raw === 'image/pjpeg' ? 'image/jpeg' : raw;
  // A browser's generic guess (application/octet-stream, or nothing) is no claim; a concrete other type is.
  return declared !== '' && declared !== 'application/octet-stream' && declared !== actual;
}

async function reencode(
  bytes: Buffer,
  type: 'image/jpeg' | 'image/png',
): Promise<Buffer | 'unreadable' | 'too_many_pixels'> {
  // sharp (libvips) is loaded at the first image: a node that takes none keeps it out of memory (PRODUCT §5, RSS idle:
  // bench/README.md). Outside the try: a sharp that cannot load is the server's fault, not an unreadable file.
  const { default: sharp } = await import('sharp');
  try {
    // rotate() with no angle applies the EXIF orientation before the metadata goes; sharp writes none by default.
    const image = sharp(bytes, { limitInputPixels: MAX_IMAGE_PIXELS, failOn: 'warning' }).rotate();
    return await (type === 'image/jpeg' ? image.jpeg({ quality: JPEG_QUALITY }) : image.png()).toBuffer();
  } catch (err) {
    return err instanceof Error && /pixel limit/i.test(err.message) ? 'too_many_pixels' : 'unreadable';
  }
}

/** What a caller may narrow: the cap, and which of the allowed types it takes (R32's documents: PDF only). */
export interface ReceiveOptions {
  /** Bytes at most; 10 MB (R31) by default. */
  readonly maxBytes?: number;
  /** The types this caller takes, among PDF, JPEG and PNG; all three by default. */
  readonly accept?: readonly AllowedType[];
  /** The node's upload pacer (upload-pacer.ts): the stream is read at its rate. */
  readonly pacer?: UploadPacer | undefined;
}

/** Reads a file part to its end and keeps nothing (a part the form does not take), at the pacer's rate. */
export async function drainFile(stream: AsyncIterable<Buffer>, pacer: UploadPacer | undefined): Promise<void> {
  for await (const chunk of stream) {
    const turn = pacer?.take(chunk.length);
    if (turn) await turn;
  }
}

/**
 * Takes one uploaded file in (R31, R32): streamed under its cap (10 MB by default), judged by its bytes, images
 * stripped of metadata, sealed. Expected refusals are values with their code; nothing is stored here. A number as
 * the last argument is the cap alone.
 */
export async function receiveFile(
  incoming: IncomingFile,
  box: SecretBox,
  field: string,
  options: ReceiveOptions | number = {},
): Promise<Result<ReceivedFile>> {
  const { maxBytes = MAX_FILE_BYTES, accept, pacer } = typeof options === 'number' ? { maxBytes: options } : options;
  const read = await readCapped(incoming.file, maxBytes, pacer);
  if (read === 'too_large') return fail(field, 'file_too_large', { max: Math.floor(maxBytes / 1024 / 1024) });
  if (read.size === 0) return fail(field, 'file_empty');
  const { chunks } = read;
  const sniffed = await fileTypeFromBuffer(head(chunks, HEAD_BYTES));
  if (!sniffed || !isAllowed(sniffed.mime)) return fail(field, 'file_type_not_allowed');
  const type = sniffed.mime;
  // A lie is told first (a PNG sent as "receipt.pdf"); an honest file of a type this caller does not take is next.
  if (lies(incoming, type)) return fail(field, 'file_type_mismatch');
  if (accept && !accept.includes(type)) return fail(field, 'file_type_not_allowed');

  let kept: Buffer[];
  if (type === 'application/pdf') {
    if (!tail(chunks, PDF_TAIL_BYTES).includes('%%EOF')) return fail(field, 'file_truncated');
    kept = chunks;
  } else {
    const out = await reencode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, read.size), type);
    if (out === 'unreadable') return fail(field, 'file_unreadable');
    if (out === 'too_many_pixels') return fail(field, 'image_too_large');
    kept = [out];
  }
  const hash = createHash('sha256');
  let size = 0;
  for (const chunk of kept) {
    hash.update(chunk);
    size += chunk.length;
  }
  return ok({
    name: safeFileName(incoming.filename, EXTENSION[type]),
    content_type: type,
    size,
    sha256: hash.digest('hex'),
    // Seals chunk by chunk into one buffer, releasing each clear chunk: the kept bytes are never held twice.
    sealed: box.sealBytes(kept),
  });
}
