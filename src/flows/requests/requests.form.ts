import type { Multipart } from '@fastify/multipart';
import { parseIban } from '../../domain/iban.js';
import { parseEuros, parseServiceDate } from '../../domain/money.js';
import { checkRequestFiles, MAX_FILES_PER_REQUEST, MAX_REQUEST_BYTES } from '../../domain/request-files.js';
import type { RequestOption } from '../../domain/request-lists.js';
import type { FieldError } from '../../domain/result.js';
import type { SecretBox } from '../../infra/crypto/secret-box.js';
import { drainFile, receiveFile, type ReceivedFile } from '../../infra/files/upload.js';
import type { UploadPacer } from '../../infra/files/upload-pacer.js';
import type { VisibleMember } from '../../identity/visible-members.js';
import { MAX_FILE_BYTES } from '../../domain/request-files.js';
import { safeFileName } from '../../domain/file-name.js';

// R31: a request's form as it arrives: a multipart body read part by part (files streamed through receiveFile, never
// held beyond their caps), then its fields checked. Nothing here stores anything: the routes store a request only
// once every field and file is right.

/** @fastify/multipart's limits for these forms: a file is cut one byte past 10 MB (then refused), few parts. */
export const MULTIPART_LIMITS = {
  fileSize: MAX_FILE_BYTES + 1,
  files: MAX_FILES_PER_REQUEST + 3,
  fields: 30,
  parts: 40,
  fieldSize: 16 * 1024,
};

export const MAX_SHORT_TEXT = 200;
export const MAX_LONG_TEXT = 2000;

/** A refused file, with the safe name it was sent under, so the member knows which one to replace. */
export interface FileProblem {
  name: string;
  error: FieldError;
}

export interface ReadForm {
  fields: Map<string, string>;
  files: ReceivedFile[];
  errors: FieldError[];
  fileProblems: FileProblem[];
  /** The body itself was unusable (not multipart, malformed, too many parts): no field can be trusted. */
  broken?: 'invalid' | 'tooLarge';
}

const TRUNCATED = '\u0000truncated';

/**
 * A name no file of a member's computer or phone has: a path ("../../etc/passwd", "C:\\x\\y.pdf"), control or
 * format characters (a right-to-left override that shows "fdp.exe" as "exe.pdf"), line breaks. Refused with a message
 * rather than silently renamed, so the member knows which file to rename; the name is never used as a path anyway.
 */
export function trickyName(name: string): boolean {
  return /[/\\]|[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name) || /^\.+$/.test(name.trim()) || name.length > 255;
}

/**
 * Reads every part of a form; files of `fileField` are taken in (1-5, at most 25 MB together), others drained. Every
 * file part, kept or not, is read at the node's upload pace (upload-pacer.ts).
 */
export async function readForm(
  parts: AsyncIterableIterator<Multipart>,
  box: SecretBox,
  pacer: UploadPacer | undefined,
  fileField = 'files',
): Promise<ReadForm> {
  const fields = new Map<string, string>();
  const files: ReceivedFile[] = [];
  const errors: FieldError[] = [];
  const fileProblems: FileProblem[] = [];
  let count = 0;
  let total = 0;
  try {
    for await (const part of parts) {
      if (part.type === 'field') {
        if (!fields.has(part.fieldname))
          fields.set(part.fieldname, part.valueTruncated ? TRUNCATED : String(part.value ?? ''));
        continue;
      }
      // A file input left empty still sends a part with no name and no bytes.
      if (part.fieldname !== fileField || part.filename === '') {
        await drainFile(part.file, pacer);
        continue;
      }
      count += 1;
      if (count > MAX_FILES_PER_REQUEST) {
        await drainFile(part.file, pacer);
        continue;
      }
      if (trickyName(part.filename)) {
        await drainFile(part.file, pacer);
        fileProblems.push({
          name: safeFileName(part.filename, 'pdf').replace(/\.pdf$/, ''),
          error: { field: fileField, code: 'file_name_invalid' },
        });
        continue;
      }
      const received = await receiveFile(part, box, fileField, { pacer });
      if (!received.ok) {
        fileProblems.push({
          name: safeFileName(part.filename, 'file', 'file').replace(/\.file$/, ''),
          error: received.errors[0]!,
        });
        continue;
      }
      total += received.value.size;
      if (total > MAX_REQUEST_BYTES) continue; // counted below; the bytes are not kept
      files.push(received.value);
    }
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const broken = /^FST_(PARTS|FILES|FIELDS)_LIMIT$/.test(code) ? 'tooLarge' : 'invalid';
    return { fields, files: [], errors: [], fileProblems: [], broken };
  }
  if (count > MAX_FILES_PER_REQUEST)
    errors.push({ field: fileField, code: 'too_many_files', params: { max: MAX_FILES_PER_REQUEST } });
  else if (total > MAX_REQUEST_BYTES)
    errors.push({ field: fileField, code: 'request_too_large', params: { max: MAX_REQUEST_BYTES / 1024 / 1024 } });
  else if (fileProblems.length > 0) errors.push({ ...fileProblems[0]!.error, field: fileField });
  return { fields, files: errors.length > 0 ? [] : files, errors, fileProblems };
}

/** A text field: trimmed, control characters but line breaks removed, required unless told, at most `max`. */
export function textField(
  form: ReadForm,
  name: string,
  max: number,
  errors: FieldError[],
  { required = true, multiline = false } = {},
): string {
  const raw = form.fields.get(name) ?? '';
  if (raw === TRUNCATED) {
    errors.push({ field: name, code: 'too_long', params: { max } });
    return '';
  }
  let text = raw.normalize('NFC');
  if (multiline) text = text.replace(/\r\n?/g, '\n').replace(/(?![\n\t])[\p{Cc}\p{Cf}\u2028\u2029]/gu, '');
  else text = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ').replace(/\s+/gu, ' ');
  text = text.trim();
  if (text === '') {
    if (required) errors.push({ field: name, code: 'required' });
    return '';
  }
  if ([...text].length > max) errors.push({ field: name, code: 'too_long', params: { max } });
  return text;
}

/** The raw value of a field, for showing the form again as the member filled it. */
export const rawField = (form: ReadForm, name: string): string => {
  const v = form.fields.get(name) ?? '';
  return v === TRUNCATED ? '' : v.slice(0, MAX_LONG_TEXT + 100);
};

function option(form: ReadForm, name: string, list: readonly RequestOption[], errors: FieldError[]): string {
  const v = (form.fields.get(name) ?? '').trim();
  if (v === '') errors.push({ field: name, code: 'required' });
  else if (!list.some((o) => o.id === v)) errors.push({ field: name, code: 'option_unknown' });
  return v;
}

function patient(form: ReadForm, visible: readonly VisibleMember[], errors: FieldError[]): VisibleMember | undefined {
  const v = (form.fields.get('patient') ?? '').trim();
  const found = visible.find((m) => m.memberNumber === v);
  if (!found) errors.push({ field: 'patient', code: v === '' ? 'required' : 'patient_unknown' });
  return found;
}

export interface CheckedReimbursement {
  patient: VisibleMember;
  service_date: string;
  provider: string;
  amount_claimed: number;
  concept: string;
  iban: string;
}

export interface CheckedAuthorization {
  patient: VisibleMember;
  category: string;
  prescription: string;
  prescribing_doctor: string;
  preferred_provider: string;
}

function filesCheck(form: ReadForm, errors: FieldError[]): void {
  if (form.errors.length > 0) {
    errors.push(...form.errors);
    return;
  }
  const sizes = checkRequestFiles(
    form.files.map((f) => f.size),
    'files',
  );
  if (!sizes.ok) errors.push(...sizes.errors);
}

export function checkReimbursement(
  form: ReadForm,
  visible: readonly VisibleMember[],
  concepts: readonly RequestOption[],
  today: string,
): { ok: true; value: CheckedReimbursement } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const who = patient(form, visible, errors);
  const date = parseServiceDate(rawField(form, 'service_date').slice(0, 40), 'service_date', today);
  if (!date.ok) errors.push(...date.errors);
  const provider = textField(form, 'provider', MAX_SHORT_TEXT, errors);
  const amount = parseEuros(rawField(form, 'amount'), 'amount');
  if (!amount.ok) errors.push(...amount.errors);
  const concept = option(form, 'concept', concepts, errors);
  const iban = parseIban(rawField(form, 'iban'), 'iban');
  if (!iban.ok) errors.push(...iban.errors);
  filesCheck(form, errors);
  if (errors.length > 0 || !who || !date.ok || !amount.ok || !iban.ok) return { ok: false, errors };
  return {
    ok: true,
    value: {
      patient: who,
      service_date: date.value,
      provider,
      amount_claimed: amount.value,
      concept,
      iban: iban.value,
    },
  };
}

export function checkAuthorization(
  form: ReadForm,
  visible: readonly VisibleMember[],
  categories: readonly RequestOption[],
): { ok: true; value: CheckedAuthorization } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const who = patient(form, visible, errors);
  const category = option(form, 'category', categories, errors);
  const prescription = textField(form, 'prescription', MAX_LONG_TEXT, errors, { multiline: true });
  const prescribing_doctor = textField(form, 'prescribing_doctor', MAX_SHORT_TEXT, errors);
  const preferred_provider = textField(form, 'preferred_provider', MAX_SHORT_TEXT, errors, { required: false });
  filesCheck(form, errors);
  if (errors.length > 0 || !who) return { ok: false, errors };
  return { ok: true, value: { patient: who, category, prescription, prescribing_doctor, preferred_provider } };
}
