import { createPrivateKey } from 'node:crypto';
import { SignJWT } from 'jose';
import { PKPass } from 'passkit-generator';
import type { Brand } from '../../config.js';
import { faviconPng } from '../web/favicon.js';
import type { AppleWalletConfig, GoogleWalletConfig } from './wallet-config.js';

// R33: the card in the phone's wallet. What a pass holds is what the printed card shows, minus the birth date: name,
// member and policy numbers, product, valid-until date, the emergency phone and the QR code of the card's check
// address; no health data. Both are made here, on our server, signed with the insurer's keys: nothing contacts Apple
// or Google when a member asks for one (Google fetches nothing either: the object travels inside the signed link).

export interface WalletCard {
  fullName: string;
  memberNumber: string;
  policyNumber: string;
  product: string;
  /** YYYY-MM-DD, or null for no end. */
  endDate: string | null;
  active: boolean;
  /** The card's check address (the QR code's content). */
  checkUrl: string;
  lang: 'es' | 'en';
  labels: { member: string; policy: string; product: string; validUntil: string; noEnd: string; emergency: string };
}

const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;

/** The end of the policy's last day, as the instant the pass expires (Europe/Madrid's midnight is near enough: UTC). */
const endOfDay = (date: string) => new Date(`${date}T23:59:59Z`);

/** A signed Apple Wallet pass (.pkpass) of the card; voided once the policy is no longer active. */
export function applePass(config: AppleWalletConfig, brand: Brand, card: WalletCard): Buffer {
  const icon = faviconPng(brand.colors);
  const emergency = brand.emergencyPhone ?? brand.supportPhone;
  const passJson = {
    formatVersion: 1,
    passTypeIdentifier: config.passTypeId,
    teamIdentifier: config.teamId,
    serialNumber: `${card.memberNumber}-${card.policyNumber}`,
    organizationName: brand.name,
    description: `${brand.name} · ${card.product}`,
    logoText: brand.name,
    backgroundColor: rgb(brand.colors.primary),
    foregroundColor: rgb(brand.colors.primaryText),
    labelColor: rgb(brand.colors.primaryText),
    sharingProhibited: true,
    voided: !card.active,
    generic: {
      primaryFields: [{ key: 'name', label: '', value: card.fullName }],
      secondaryFields: [
        { key: 'member', label: card.labels.member, value: card.memberNumber },
        { key: 'policy', label: card.labels.policy, value: card.policyNumber },
      ],
      auxiliaryFields: [
        { key: 'product', label: card.labels.product, value: card.product },
        { key: 'until', label: card.labels.validUntil, value: card.endDate ?? card.labels.noEnd },
      ],
      backFields: emergency ? [{ key: 'emergency', label: card.labels.emergency, value: emergency }] : [],
    },
  };
  const pass = new PKPass(
    {
      'pass.json': Buffer.from(JSON.stringify(passJson)),
      'icon.png': icon,
      'icon@2x.png': icon,
      'logo.png': icon,
    },
    { wwdr: config.wwdr, signerCert: config.cert, signerKey: config.key },
  );
  if (card.active) pass.setBarcodes({ format: 'PKBarcodeFormatQR', message: card.checkUrl, messageEncoding: 'utf-8' });
  if (card.endDate) pass.setExpirationDate(endOfDay(card.endDate));
  return pass.getAsBuffer();
}

/** The "Save to Google Wallet" address: a generic pass inside an RS256 JWT signed with the service account's key. */
export async function googleWalletLink(
  config: GoogleWalletConfig,
  brand: Brand,
  card: WalletCard,
  origin: string,
  now: Date,
): Promise<string> {
  const text = (value: string) => ({ defaultValue: { language: card.lang, value } });
  const id = `${config.issuerId}.${`${card.memberNumber}-${card.policyNumber}`.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  const object = {
    id,
    classId: `${config.issuerId}.member_card`,
    state: card.active ? 'ACTIVE' : 'INACTIVE',
    cardTitle: text(brand.name),
    header: text(card.fullName),
    subheader: text(card.product),
    hexBackgroundColor: brand.colors.primary,
    textModulesData: [
      { id: 'member', header: card.labels.member, body: card.memberNumber },
      { id: 'policy', header: card.labels.policy, body: card.policyNumber },
      { id: 'until', header: card.labels.validUntil, body: card.endDate ?? card.labels.noEnd },
      ...((brand.emergencyPhone ?? brand.supportPhone)
        ? [{ id: 'emergency', header: card.labels.emergency, body: (brand.emergencyPhone ?? brand.supportPhone)! }]
        : []),
    ],
    ...(card.active ? { barcode: { type: 'QR_CODE', value: card.checkUrl } } : {}),
    ...(card.endDate ? { validTimeInterval: { end: { date: endOfDay(card.endDate).toISOString() } } } : {}),
  };
  const jwt = await new SignJWT({
    aud: 'google',
    typ: 'savetowallet',
    origins: [origin],
    payload: { genericObjects: [object] },
  })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(config.clientEmail)
    .setIssuedAt(Math.floor(now.getTime() / 1000))
    .sign(createPrivateKey(config.privateKey));
  return `https://pay.google.com/gp/v/save/${jwt}`;
}
