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
