import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Browser } from './client.js';
import { pageLoad, type PageResult } from './phases.js';
import { cpuMeter, rssMb, sampleRss } from './servers.js';

// R31 (issue 26 item 7): what a member's files cost the server. A 10 MB file sent through the "new authorization" form
// as a browser sends it (multipart, CSRF and form token first): its wall time and how far the server's RSS rises
// while it is received, checked, re-encoded (a photo) and sealed into the database; then /area's latency at a fixed
// rate while 20 members upload 10 MB files at once, against the same rate with no upload running.

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/** Just under R31's 10 MB a file (10 MiB): the largest file a member may send. */
const FILE_BYTES = 10_000_000;
const FORM = '/area/requests/new/authorization';

interface File {
  name: string;
  type: string;
  bytes: Buffer;
}

/** A complete PDF of FILE_BYTES: one object whose stream is random (incompressible, as a scanned invoice is). */
function bigPdf(): Buffer {
  const head = Buffer.from('%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n2 0 obj\n<< /Length ');
  const tail = Buffer.from('\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n');
  const middleLength = Buffer.byteLength('00000000 >>\nstream\n');
  const streamLength = FILE_BYTES - head.length - middleLength - tail.length;
  const middle = Buffer.from(`${String(streamLength).padStart(8, '0')} >>\nstream\n`);
  return Buffer.concat([head, middle, randomBytes(streamLength), tail]);
}

/** A phone photo of about 10 MB: a 12-megapixel JPEG of noise (the least compressible picture), under the cap. */
async function bigJpeg(): Promise<Buffer> {
  for (const quality of [92, 88, 84, 80, 75]) {
    const jpeg = await sharp({
      create: {
        width: 4000,
        height: 3000,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    })
      .jpeg({ quality })
      .toBuffer();
    if (jpeg.length <= FILE_BYTES) return jpeg;
  }
  throw new Error('could not make a JPEG under 10 MB');
}

/** Sends one authorization with `file` through the form; the wall time of the POST alone, in ms. */
async function sendOne(browser: Browser, file: File): Promise<number> {
  const form = await browser.get(FORM);
  if (form.status !== 200) throw new Error(`GET ${FORM}: ${form.status}`);
  const formToken = /name="form_token" value="([^"]+)"/.exec(form.body)?.[1];
  const patient = /name="patient"[\s\S]*?<option value="([^"]+)"/.exec(form.body)?.[1];
  if (!formToken || !patient) throw new Error(`${FORM}: no form token or patient in the page`);
  const started = performance.now();
  const res = await browser.postMultipart(
    FORM,
    {
      form_token: formToken,
      patient,
      category: 'imaging',
      prescription: 'Resonancia magnética de rodilla',
      prescribing_doctor: 'Dra. Bench',
      preferred_provider: '',
    },
    [{ field: 'files', ...file }],
  );
  const ms = performance.now() - started;
  if (res.status !== 303) throw new Error(`POST ${FORM} with ${file.name}: ${res.status} ${res.body.slice(0, 200)}`);
  return ms;
}

export interface SingleUpload {
  bytes: number;
  /** Median wall time of the POST over the runs. */
  ms: number;
  /** The server's RSS rise while a file was received, the largest over the runs (the first is cold). */
  rssGrowthMb: number;
  /** The server's CPU per upload (form page and POST), averaged over the runs. */
  serverCpuMs: number;
}

export interface UploadResult {
  pdf: SingleUpload;
  jpeg: SingleUpload;
  concurrent: {
    uploaders: number;
    uploads: number;
    uploadP50Ms: number;
    uploadP99Ms: number;
    megabytesPerSecond: number;
    rssPeakMb: number;
    rate: number;
    area: PageResult;
    areaQuiet: PageResult;
  };
}

/** One 10 MB file at a time, each by another member (R31's 100 MB a day per account), `runs` times. */
async function single(pid: number, browsers: Browser[], file: File): Promise<SingleUpload> {
  const times: number[] = [];
  let growth = 0;
  const cpu = cpuMeter([pid]);
  for (const browser of browsers) {
    const before = rssMb(pid);
    const peak = sampleRss([pid], 10);
    times.push(await sendOne(browser, file));
    growth = Math.max(growth, peak.stop() - before);
  }
  const used = cpu.stop();
  return {
    bytes: file.bytes.length,
    ms: round(median(times)),
    rssGrowthMb: round(growth),
    serverCpuMs: round((used.server * 1000) / browsers.length),
  };
}

export async function uploadRun(opts: {
  port: number;
  pid: number;
  /** Signed-in members: 3 for each single measurement, then the uploaders' (each sends at most 9 files, 90 MB). */
  browsers: Browser[];
  uploaders: number;
  /** /area's cookie and the fixed rate it is asked at, with and without uploads. */
  areaHeaders: Record<string, string>;
  rate: number;
  seconds: number;
  connections: number;
}): Promise<UploadResult> {
  const pdf: File = { name: 'volante.pdf', type: 'application/pdf', bytes: bigPdf() };
  const jpeg: File = { name: 'volante.jpg', type: 'image/jpeg', bytes: await bigJpeg() };
  const pdfResult = await single(opts.pid, opts.browsers.slice(0, 3), pdf);
  const jpegResult = await single(opts.pid, opts.browsers.slice(3, 6), jpeg);

  const load = { ports: [opts.port], pids: [opts.pid], path: '/area', headers: opts.areaHeaders };
  const areaQuiet = await pageLoad({ ...load, connections: opts.connections, seconds: opts.seconds, rate: opts.rate });
  // The uploaders: each keeps one 10 MB PDF in flight, moving to its next member after 9 (R31's daily bytes).
  const pool = opts.browsers.slice(6);
  const perMember = 9;
  const times: number[] = [];
  let stop = false;
  let next = 0;
  const rss = sampleRss([opts.pid], 50);
  const uploader = async () => {
    while (!stop) {
      const member = Math.floor(next++ / perMember);
      const browser = pool[member];
      if (!browser) return;
      times.push(await sendOne(browser, pdf));
    }
  };
  const started = performance.now();
  const running = Array.from({ length: opts.uploaders }, uploader);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // every uploader has a file in flight
  const area = await pageLoad({ ...load, connections: opts.connections, seconds: opts.seconds, rate: opts.rate });
  stop = true;
  await Promise.all(running);
  const seconds = (performance.now() - started) / 1000;
  const sorted = [...times].sort((a, b) => a - b);
  return {
    pdf: pdfResult,
    jpeg: jpegResult,
    concurrent: {
      uploaders: opts.uploaders,
      uploads: times.length,
      uploadP50Ms: round(percentile(sorted, 50)),
      uploadP99Ms: round(percentile(sorted, 99)),
      megabytesPerSecond: round((times.length * pdf.bytes.length) / 1e6 / seconds),
      rssPeakMb: round(rss.stop()),
      rate: Math.round(opts.rate),
      area,
      areaQuiet,
    },
  };
}
