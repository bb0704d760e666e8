import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

// STYLE 21: what someone else wrote judges our files. Poppler's pdftotext reads a PDF's text as an archive or a
// screen reader would, and zbar's zbarimg reads the QR codes of the page poppler's pdftoppm draws (Debian's
// poppler-utils and zbar-tools; .ci/run installs them).

const run = promisify(execFile);

async function withFile<T>(pdf: Buffer, use: (dir: string, file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'pdf-test-'));
  try {
    const file = join(dir, 'document.pdf');
    await writeFile(file, pdf);
    return await use(dir, file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The PDF's text as pdftotext extracts it (UTF-8, reading order), lines joined by single spaces. */
export function pdfText(pdf: Buffer): Promise<string> {
  return withFile(pdf, async (_dir, file) => {
    const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-']);
    return stdout.replace(/\s+/g, ' ');
  });
}

/** Every QR code on the PDF's pages, decoded by zbarimg from pdftoppm's rendering at 150 dpi. */
export function qrCodesIn(pdf: Buffer): Promise<string[]> {
  return withFile(pdf, async (dir, file) => {
    await run('pdftoppm', ['-png', '-r', '150', file, join(dir, 'page')]);
    const pages = (await readdir(dir)).filter((f) => f.endsWith('.png')).map((f) => join(dir, f));
    const { stdout } = await run('zbarimg', ['-q', '--raw', '-Sdisable', '-Sqrcode.enable', ...pages]).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.code === 4 ? '' : (err.stdout ?? '') }),
    );
    return stdout.split('\n').filter((line) => line !== '');
  });
}

/** What a poppler tool (pdfinfo, pdffonts, pdfimages) prints about the PDF, given its arguments. */
export function pdfTool(pdf: Buffer, tool: 'pdfinfo' | 'pdffonts' | 'pdfimages', ...args: string[]): Promise<string> {
  return withFile(pdf, async (_dir, file) => (await run(tool, [...args, file])).stdout);
}

/** A real PDF made by pdfkit with the given text on each of `pages` pages (uncompressed, so sizes are predictable). */
export async function makePdf(text: string, pages = 1): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  for (let i = 0; i < pages; i++) {
    if (i > 0) doc.addPage();
    doc.text(`${text} (${i + 1})`);
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** A multipart/form-data body (RFC 7578) of text fields and files, as an HTTP client would send it. */
export function multipartBody(
  parts: readonly ({ name: string; value: string } | { name: string; filename: string; type: string; bytes: Buffer })[],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----docs${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('value' in p) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type}\r\n\r\n`,
        ),
        p.bytes,
        Buffer.from('\r\n'),
      );
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}
