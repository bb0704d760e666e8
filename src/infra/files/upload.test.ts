import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { developmentSecretBox } from '../crypto/secret-box.js';
import { MAX_IMAGE_PIXELS, receiveFile, type IncomingFile, type ReceivedFile } from './upload.js';

// STYLE habit 20, R31: a file is what its bytes say. Real files are made here (pdfkit, sharp), never stored in git:
// a PDF, a JPEG carrying EXIF with GPS and an orientation, a PNG; then each lie and each abuse the issue lists.

const box = developmentSecretBox();
const MB = 1024 * 1024;

async function pdf(pages = 1): Promise<Buffer> {
  const doc = new PDFDocument({ compress: false });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve) => doc.on('end', () => resolve()));
  for (let i = 0; i < pages; i++) {
    if (i > 0) doc.addPage();
    doc.text(`Factura ${i + 1}: consulta de traumatología, 80,00 €`);
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** A photo as a phone writes it: EXIF with the maker, the author, GPS, and "rotate 90°" as orientation. */
const gpsJpeg = async (): Promise<Buffer> => {
  const tagged = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#c33' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'PhoneCo', Artist: 'Ana Garcia' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '40/1 25/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '3/1 42/1 0/1' },
    })
    .toBuffer();
  // Orientation is written apart: sharp sets it from withMetadata, keeping the EXIF already there.
  return sharp(tagged).keepExif().withMetadata({ orientation: 6 }).jpeg().toBuffer();
};

const png = (): Promise<Buffer> =>
  sharp({ create: { width: 30, height: 10, channels: 4, background: '#3c3' } })
    .png()
    .withExif({ IFD0: { Artist: 'Ana Garcia' } })
    .toBuffer();

/** A stream in chunks of 64 KiB, as busboy hands them over. */
function incoming(bytes: Buffer, filename: string, mimetype: string): IncomingFile {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += 64 * 1024) chunks.push(bytes.subarray(i, i + 64 * 1024));
  return { file: Readable.from(chunks), filename, mimetype };
}

async function accept(bytes: Buffer, filename: string, mimetype: string): Promise<ReceivedFile> {
  const r = await receiveFile(incoming(bytes, filename, mimetype), box, 'files');
  assert.ok(r.ok, `expected acceptance, got ${JSON.stringify(!r.ok && r.errors)}`);
  return r.value;
}

async function refusal(file: IncomingFile): Promise<string> {
  const r = await receiveFile(file, box, 'files');
  assert.equal(r.ok, false, 'expected a refusal');
  return r.ok ? '' : r.errors.map((e) => e.code).join(',');
}

const dir = mkdtempSync(join(tmpdir(), 'upload-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a real PDF is kept as sent, sealed, with the SHA-256 of its bytes and a safe name', async () => {
  const bytes = await pdf(2);
  const f = await accept(bytes, 'Factura enero.pdf', 'application/pdf');
  assert.equal(f.content_type, 'application/pdf');
  assert.equal(f.name, 'Factura enero.pdf');
  assert.equal(f.size, bytes.length);
  assert.equal(f.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.ok(!f.sealed.includes(bytes.subarray(0, 200)), 'sealed: the clear bytes are not in what is stored');
  assert.deepEqual(box.openBytes(f.sealed), bytes);
  if (existsSync('/usr/bin/pdftotext')) {
    writeFileSync(join(dir, 'kept.pdf'), box.openBytes(f.sealed));
    assert.match(execFileSync('pdftotext', [join(dir, 'kept.pdf'), '-']).toString(), /Factura 2/);
  }
});

test('a JPEG loses its EXIF and GPS, is turned upright, and its SHA-256 is of the re-encoded bytes', async () => {
  const original = await gpsJpeg();
  const before = await sharp(original).metadata();
  assert.ok(before.exif && before.exif.includes('PhoneCo'), 'the test photo does carry EXIF');
  assert.equal(before.orientation, 6);
  const f = await accept(original, 'IMG_0001.JPG', 'image/jpeg');
  const kept = box.openBytes(f.sealed);
  assert.equal(f.content_type, 'image/jpeg');
  assert.equal(f.name, 'IMG_0001.jpg');
  assert.equal(f.sha256, createHash('sha256').update(kept).digest('hex'));
  assert.notEqual(f.sha256, createHash('sha256').update(original).digest('hex'));
  const meta = await sharp(kept).metadata();
  assert.equal(meta.exif, undefined, 'no EXIF block at all');
  assert.equal(meta.xmp, undefined);
  assert.equal(meta.orientation, undefined);
  assert.deepEqual([meta.width, meta.height], [20, 40], 'rotated by its orientation before the tag went');
  for (const text of ['PhoneCo', 'Ana Garcia', 'GPS'])
    assert.ok(!kept.includes(text), `${text} is gone from the bytes`);
  // A second judge: ImageMagick (installed by .ci/run).
  if (existsSync('/usr/bin/identify')) {
    writeFileSync(join(dir, 'before.jpg'), original);
    writeFileSync(join(dir, 'kept.jpg'), kept);
    assert.match(execFileSync('identify', ['-verbose', join(dir, 'before.jpg')]).toString(), /exif:GPSLatitude/);
    const report = execFileSync('identify', ['-verbose', join(dir, 'kept.jpg')]).toString();
    assert.doesNotMatch(report, /exif:|GPS|PhoneCo|Ana Garcia/);
  }
});

test('a PNG is re-encoded without its metadata', async () => {
  const original = await png();
  assert.ok((await sharp(original).metadata()).exif, 'the test PNG carries EXIF');
  const f = await accept(original, 'receta.png', '');
  const kept = box.openBytes(f.sealed);
  assert.equal(f.content_type, 'image/png');
  assert.equal((await sharp(kept).metadata()).exif, undefined);
  assert.ok(!kept.includes('Ana Garcia'));
});

test('the browser’s generic type is no claim: the bytes decide', async () => {
  const f = await accept(await pdf(), 'scan', 'application/octet-stream');
  assert.equal(f.content_type, 'application/pdf');
  assert.equal(f.name, 'scan.pdf');
});

test('a text file renamed .pdf is refused: not an accepted type', async () => {
  const text = Buffer.from('%PDX not really\nJust some text pretending to be a PDF.\n%%EOF\n');
  assert.equal(await refusal(incoming(text, 'invoice.pdf', 'application/pdf')), 'file_type_not_allowed');
  const html = Buffer.from('<!doctype html><script>alert(1)</script>');
  assert.equal(await refusal(incoming(html, 'photo.png', 'image/png')), 'file_type_not_allowed');
});

test('a PNG declared as a PDF, or named .pdf, is refused: its bytes contradict the claim', async () => {
  const bytes = await png();
  assert.equal(await refusal(incoming(bytes, 'scan.png', 'application/pdf')), 'file_type_mismatch');
  assert.equal(await refusal(incoming(bytes, 'scan.pdf', 'image/png')), 'file_type_mismatch');
  assert.equal(await refusal(incoming(await pdf(), 'scan.jpg', 'application/octet-stream')), 'file_type_mismatch');
});

test('an empty file is refused', async () => {
  assert.equal(await refusal(incoming(Buffer.alloc(0), 'empty.pdf', 'application/pdf')), 'file_empty');
});

test('a truncated PDF (no %%EOF at its end) is refused', async () => {
  const bytes = await pdf(3);
  const cut = bytes.subarray(0, Math.floor(bytes.length * 0.6));
  assert.equal(await refusal(incoming(cut, 'cut.pdf', 'application/pdf')), 'file_truncated');
});

test('a truncated JPEG is refused as unreadable', async () => {
  const big = await sharp({ create: { width: 400, height: 400, channels: 3, background: '#123' } })
    .jpeg()
    .toBuffer();
  assert.equal(
    await refusal(incoming(big.subarray(0, Math.floor(big.length / 2)), 'a.jpg', 'image/jpeg')),
    'file_unreadable',
  );
});

test('an image with more pixels than decoding should cost is refused', async () => {
  const side = Math.ceil(Math.sqrt(MAX_IMAGE_PIXELS)) + 1;
  // A 1-bit, single-colour PNG of that size compresses to a few kilobytes: a decompression bomb in miniature.
  const bomb = await sharp({ create: { width: side, height: side, channels: 3, background: '#000' } })
    .png({ palette: true, colours: 2, compressionLevel: 9 })
    .toBuffer();
  assert.ok(bomb.length < MB, `bomb is ${bomb.length} bytes`);
  assert.equal(await refusal(incoming(bomb, 'bomb.png', 'image/png')), 'image_too_large');
});

test('a 30 MB stream is refused at 10 MB, read to its end without being kept', async () => {
  const head = await pdf();
  let produced = 0;
  async function* thirtyMegabytes(): AsyncGenerator<Buffer> {
    yield head;
    produced += head.length;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    while (produced < 30 * MB) {
      produced += chunk.length;
      yield chunk;
    }
  }
  const r = await receiveFile({ file: thirtyMegabytes(), filename: 'big.pdf', mimetype: 'application/pdf' }, box, 'f');
  assert.deepEqual(r, { ok: false, errors: [{ field: 'f', code: 'file_too_large', params: { max: 10 } }] });
  assert.ok(produced >= 30 * MB, 'drained, so the multipart parser can go on to the next part');
});

test('a file at exactly the cap is kept; one byte more is refused', async () => {
  const body = await pdf();
  const padded = Buffer.concat([body.subarray(0, body.length - 6), Buffer.alloc(10 * MB - body.length, 0x20)]);
  const exact = Buffer.concat([padded, Buffer.from('%%EOF\n')]);
  assert.equal(exact.length, 10 * MB);
  assert.equal((await accept(exact, 'big.pdf', 'application/pdf')).size, 10 * MB);
  const over = Buffer.concat([exact, Buffer.from(' ')]);
  assert.equal(await refusal(incoming(over, 'big.pdf', 'application/pdf')), 'file_too_large');
});

test('a stream multipart marked truncated (its fileSize limit) is too large, whatever arrived', async () => {
  const file = Object.assign(Readable.from([await pdf()]), { truncated: true });
  assert.equal(await refusal({ file, filename: 'a.pdf', mimetype: 'application/pdf' }), 'file_too_large');
});

test('names with path tricks, a right-to-left override and control characters are made safe', async () => {
  assert.equal((await accept(await pdf(), '../../etc/passwd', 'application/pdf')).name, 'passwd.pdf');
  assert.equal((await accept(await gpsJpeg(), '\u202Egpj.exe', 'image/jpeg')).name, 'gpj.exe.jpg');
  assert.equal((await accept(await pdf(), 'fac\u0000tu\u001bra\n.pdf', 'application/pdf')).name, 'factura.pdf');
});

test('through @fastify/multipart: part.file streams in; a 30 MB part stops at its fileSize limit as too large', async () => {
  const { default: Fastify } = await import('fastify');
  const { default: multipart } = await import('@fastify/multipart');
  const app = Fastify();
  // The route's limit is one byte over the cap: busboy then cuts a longer file short and marks it truncated, and
  // without throwing the next parts are still read (the form can say which file was too large).
  await app.register(multipart, { limits: { fileSize: 10 * MB + 1, files: 5 }, throwFileSizeLimit: false });
  app.post('/upload', async (req) => {
    const out: string[] = [];
    for await (const part of req.parts()) {
      if (part.type !== 'file') continue;
      const r = await receiveFile(part, box, part.fieldname);
      out.push(r.ok ? `${r.value.name}:${r.value.content_type}` : r.errors[0]!.code);
    }
    return out;
  });
  const boundary = '----r31boundary';
  const part = (name: string, type: string, bytes: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${name}"\r\nContent-Type: ${type}\r\n\r\n`,
      ),
      bytes,
      Buffer.from('\r\n'),
    ]);
  const body = Buffer.concat([
    part('factura.pdf', 'application/pdf', await pdf()),
    part('big.pdf', 'application/pdf', Buffer.concat([await pdf(), Buffer.alloc(30 * MB, 0x20)])),
    part('foto.jpg', 'image/jpeg', await gpsJpeg()),
    part('../../etc/passwd', 'application/pdf', await png()),
    Buffer.from(`--${boundary}--\r\n`),
  ]);
  const res = await app.inject({
    method: 'POST',
    url: '/upload',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: body,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), [
    'factura.pdf:application/pdf',
    'file_too_large',
    'foto.jpg:image/jpeg',
    'file_type_mismatch',
  ]);
  await app.close();
});

test('with multipart’s default (throw at the fileSize limit) the refusal is still file_too_large', async () => {
  const { default: Fastify } = await import('fastify');
  const { default: multipart } = await import('@fastify/multipart');
  const app = Fastify();
  await app.register(multipart, { limits: { fileSize: 10 * MB + 1 } });
  app.post('/upload', async (req) => {
    const part = await req.file();
    const r = await receiveFile(part!, box, 'files');
    return r.ok ? 'kept' : r.errors[0]!.code;
  });
  const boundary = '----r31b';
  const payload = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\nContent-Type: application/pdf\r\n\r\n`,
    ),
    await pdf(),
    Buffer.alloc(11 * MB, 0x20),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const res = await app.inject({
    method: 'POST',
    url: '/upload',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload,
  });
  assert.equal(res.body, 'file_too_large');
  await app.close();
});

test('R32: a caller may take PDF only, under its own cap; a lie is still told as a lie', async () => {
  const pdfOnly = { maxBytes: 20 * MB, accept: ['application/pdf'] } as const;
  const take = (bytes: Buffer, name: string, type: string) =>
    receiveFile(incoming(bytes, name, type), box, 'file', pdfOnly);
  const kept = await take(await pdf(), 'recibo.pdf', 'application/pdf');
  assert.ok(kept.ok && kept.value.content_type === 'application/pdf');
  const honestPng = await take(await png(), 'scan.png', 'image/png');
  assert.deepEqual(!honestPng.ok && honestPng.errors, [{ field: 'file', code: 'file_type_not_allowed' }]);
  const lyingPng = await take(await png(), 'scan.pdf', 'application/pdf');
  assert.deepEqual(!lyingPng.ok && lyingPng.errors, [{ field: 'file', code: 'file_type_mismatch' }]);
  // 15 MB is over the default 10 MB but under this caller's 20 MB.
  const body = await pdf();
  const fifteen = Buffer.concat([
    body.subarray(0, body.length - 6),
    Buffer.alloc(15 * MB, 0x20),
    Buffer.from('%%EOF\n'),
  ]);
  assert.equal((await take(fifteen, 'big.pdf', 'application/pdf')).ok, true);
  assert.equal((await receiveFile(incoming(fifteen, 'big.pdf', 'application/pdf'), box, 'file')).ok, false);
});
