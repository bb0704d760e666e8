import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type PDFDocumentClass from 'pdfkit';
import QRCode from 'qrcode';
import type { Brand } from '../../config.js';
import { longDate } from '../../infra/i18n/dates.js';
import { translator, type Lang } from '../../infra/i18n/i18n.js';
import { brandLogoPng } from '../../infra/web/brand-logo.js';

// R32: the certificate of insurance, made on demand in the member's language. The text is real text in an embedded
// font (DejaVu Sans: every Spanish letter), so pdftotext, screen readers and the insurer's archive read it; the file
// is a tagged PDF (pdfkit's structure tree: a heading, paragraphs, the QR code as a figure with its address as
// alternative text, decoration marked as artifacts), with its title shown and its language declared.

const fontDir = join(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json'), '..', 'ttf');
type FontSource = Parameters<PDFKit.PDFDocument['registerFont']>[1];

type PdfKit = typeof PDFDocumentClass;

/**
 * pdfkit (with fontkit under it) and DejaVu's two fonts, loaded at the first certificate and kept: a node that makes
 * none keeps none of them in memory (PRODUCT §5, RSS idle: bench/README.md). Each font file is parsed once, by
 * pdfkit's own loader (it accepts a parsed font back), and shared by every certificate: parsing DejaVu's tables again
 * for each document was most of a certificate's CPU.
 */
let toolkit: Promise<{ PDFDocument: PdfKit; fonts: { regular: FontSource; bold: FontSource } }> | undefined;
function pdfToolkit(): NonNullable<typeof toolkit> {
  toolkit ??= import('pdfkit').then(({ default: PDFDocument }) => {
    const parsedFont = (file: string): FontSource => {
      const probe = new PDFDocument({ autoFirstPage: false });
      probe.font(readFileSync(file));
      return (probe as unknown as { _font: { font: FontSource } })._font.font;
    };
    return {
      PDFDocument,
      fonts: {
        regular: parsedFont(join(fontDir, 'DejaVuSans.ttf')),
        bold: parsedFont(join(fontDir, 'DejaVuSans-Bold.ttf')),
      },
    };
  });
  return toolkit;
}

export interface CertificateData {
  lang: Lang;
  brand: Brand;
  fullName: string;
  /** e.g. "NIF 12345678Z"; null when the insurer's record has none (a young child). */
  document: string | null;
  memberNumber: string;
  policyNumber: string;
  product: string;
  policyActive: boolean;
  startDate: string;
  endDate: string | null;
  /** The instant the certificate is made. */
  issuedAt: Date;
  /** The date the certificate is made, in the insurer's time zone (YYYY-MM-DD). */
  issuedOn: string;
  verifyUrl: string;
}

/** The logo's box on the page, in points; the raster is made for three times that, so it stays crisp when printed. */
const LOGO_BOX: [number, number] = [160, 48];

const PAGE = { margin: 56, width: 595.28 };
const LABEL_WIDTH = 170;

/** The certificate as PDF bytes. */
export async function certificatePdf(data: CertificateData): Promise<Buffer> {
  const t = translator(data.lang);
  const { PDFDocument, fonts } = await pdfToolkit();
  const qr = await QRCode.toBuffer(data.verifyUrl, { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  const title = t('certificate.pdf.title');
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    pdfVersion: '1.7',
    tagged: true,
    lang: data.lang === 'es' ? 'es-ES' : 'en-GB',
    displayTitle: true,
    info: {
      Title: `${title} · ${data.brand.name}`,
      Author: data.brand.name,
      Subject: t('certificate.pdf.subject', { policy: data.policyNumber }),
      Creator: data.brand.productName[data.lang],
      CreationDate: data.issuedAt,
    },
    // pdfkit 0.20 knows this subset (its identification in the XMP metadata, the title shown), @types/pdfkit not yet.
    ...({ subset: 'PDF/UA' } as object),
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', fonts.regular);
  doc.registerFont('bold', fonts.bold);
  const right = PAGE.width - PAGE.margin;
  const root = doc.struct('Document');
  doc.addStructure(root);

  // The brand: its logo when it is a PNG or JPEG we hold, and always its name as text.
  const logo = await brandLogoPng(data.brand, [LOGO_BOX[0] * 3, LOGO_BOX[1] * 3]);
  if (logo) {
    root.add(
      doc.struct('Figure', { alt: data.brand.name }, () => {
        doc.image(logo, PAGE.margin, PAGE.margin, { fit: LOGO_BOX });
      }),
    );
    doc.y = PAGE.margin + 56;
  }
  root.add(
    doc.struct('P', {}, () => doc.font('bold').fontSize(16).fillColor('#000').text(data.brand.name, PAGE.margin)),
  );
  doc.markContent('Artifact', { type: 'Layout' });
  doc
    .moveTo(PAGE.margin, doc.y + 6)
    .lineTo(right, doc.y + 6)
    .lineWidth(2)
    .strokeColor(data.brand.colors.primary)
    .stroke();
  doc.endMarkedContent();
  doc.moveDown(1.5);

  root.add(doc.struct('H1', {}, () => doc.font('bold').fontSize(22).text(title, PAGE.margin)));
  doc.moveDown(0.8);
  const intro = t('certificate.pdf.intro', { brand: data.brand.name });
  root.add(
    doc.struct('P', {}, () =>
      doc
        .font('regular')
        .fontSize(11)
        .text(intro, PAGE.margin, doc.y, { width: right - PAGE.margin }),
    ),
  );
  doc.moveDown(1);

  const rows: [string, string][] = [
    [t('certificate.pdf.name'), data.fullName],
    [t('certificate.pdf.document'), data.document ?? t('certificate.pdf.noDocument')],
    [t('certificate.pdf.memberNumber'), data.memberNumber],
    [t('certificate.pdf.policyNumber'), data.policyNumber],
    [t('certificate.pdf.product'), data.product],
    [t('certificate.pdf.status'), data.policyActive ? t('certificate.pdf.active') : t('certificate.pdf.cancelled')],
    [t('certificate.pdf.start'), longDate(data.startDate, data.lang)],
    [t('certificate.pdf.end'), data.endDate ? longDate(data.endDate, data.lang) : t('certificate.pdf.noEnd')],
    [t('certificate.pdf.issued'), longDate(data.issuedOn, data.lang)],
  ];
  // Each row is one paragraph, label then value, so a screen reader reads "Policy number: P123" as one thing.
  for (const [label, value] of rows) {
    const y = doc.y;
    let bottom = y;
    root.add(
      doc.struct('P', {}, [
        () => {
          doc.font('regular').fontSize(10).fillColor('#444').text(`${label}:`, PAGE.margin, y, { width: LABEL_WIDTH });
          bottom = Math.max(bottom, doc.y);
        },
        () => {
          doc
            .font('bold')
            .fontSize(11)
            .fillColor('#000')
            .text(value, PAGE.margin + LABEL_WIDTH, y, { width: right - PAGE.margin - LABEL_WIDTH });
          bottom = Math.max(bottom, doc.y);
        },
      ]),
    );
    doc.y = bottom + 6;
  }
  doc.moveDown(1.5);

  // The verification address, as text (typed or read aloud) and as a QR code (scanned).
  root.add(
    doc.struct('H2', {}, () => doc.font('bold').fontSize(13).text(t('certificate.pdf.verifyHeading'), PAGE.margin)),
  );
  doc.moveDown(0.4);
  const verifyText = t('certificate.pdf.verifyBody');
  root.add(
    doc.struct('P', {}, () =>
      doc
        .font('regular')
        .fontSize(10)
        .text(verifyText, PAGE.margin, doc.y, { width: right - PAGE.margin }),
    ),
  );
  doc.moveDown(0.4);
  root.add(
    doc.struct('P', {}, () =>
      doc
        .font('regular')
        .fontSize(10)
        .fillColor(data.brand.colors.primary)
        .text(data.verifyUrl, PAGE.margin, doc.y, { width: right - PAGE.margin }),
    ),
  );
  doc.moveDown(0.6);
  const qrY = doc.y;
  root.add(
    doc.struct('Figure', { alt: t('certificate.pdf.qrAlt', { url: data.verifyUrl }) }, () => {
      doc.image(qr, PAGE.margin, qrY, { width: 128, height: 128 });
    }),
  );
  doc.y = qrY + 140;
  const note = t('certificate.pdf.note');
  root.add(
    doc.struct('P', {}, () =>
      doc
        .font('regular')
        .fontSize(9)
        .fillColor('#444')
        .text(note, PAGE.margin, doc.y, { width: right - PAGE.margin }),
    ),
  );
  root.end();
  doc.end();
  return done;
}
