import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import type { FieldError } from '../../domain/result.js';
import type { PageContext } from './page-context.js';

/** A text field of a parsed form body; anything missing or not a string reads as empty. */
export function formText(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Every value of a field a form may send more than once (ticked checkboxes of one name); strings only. */
export function formValues(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

/** What the form components need of a page: the translator, and the CSRF token for POST forms. */
export type FormContext = Pick<PageContext, 't' | 'csrfToken'>;

/** A POST form that carries its CSRF token; every state-changing form in the portal is one of these. */
export function Form({
  ctx,
  action,
  children,
  id,
  class: className,
  data,
}: {
  ctx: Pick<PageContext, 'csrfToken'>;
  action: string;
  children: ComponentChildren;
  id?: string;
  class?: string;
  data?: Record<string, string>;
}) {
  // `data` becomes data-* attributes: hooks for a progressive enhancement (the passkey script), never needed to submit.
  const dataAttributes = Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
  return (
    <form
      method="post"
      action={action}
      noValidate
      {...(id ? { id } : {})}
      {...(className ? { class: className } : {})}
      {...dataAttributes}
    >
      <input type="hidden" name="_csrf" value={ctx.csrfToken()} />
      {children}
    </form>
  );
}

/** Turns an error code into the member's language (STYLE habit 4: errors are codes, views make them text). */
export function errorText(ctx: Pick<PageContext, 't'>, error: Pick<FieldError, 'code' | 'params'>): string {
  return ctx.t(`field.${error.code}`, error.params);
}

export type FieldErrors = Partial<Record<string, Pick<FieldError, 'code' | 'params'>>>;

/** Gathers a list of errors by field, keeping the first for each. */
export function byField(errors: readonly FieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) out[e.field] ??= e;
  return out;
}

export interface InputProps {
  ctx: Pick<PageContext, 't'>;
  name: string;
  label: string;
  value?: string | null | undefined;
  error?: Pick<FieldError, 'code' | 'params'> | undefined;
  hint?: string | undefined;
  type?: 'text' | 'email' | 'tel' | 'password';
  autocomplete?: string;
  inputMode?: 'text' | 'numeric' | 'tel' | 'email';
  maxLength?: number;
  required?: boolean;
  readOnly?: boolean;
  spellcheck?: boolean;
  describedBy?: string;
  /** The element id, when one page has several fields of one name (a form per listed item); the name by default. */
  id?: string;
}

/**
 * The field for a one-time code (R7, R15, R23): named `code`, the numeric keyboard, the browser's one-time-code
 * autofill; pasting works, and the server takes the code with spaces or hyphens. Staff app codes are shorter.
 */
export function CodeInput(p: Pick<InputProps, 'ctx' | 'label' | 'hint' | 'error' | 'maxLength'>) {
  return (
    <Input
      {...p}
      name="code"
      value=""
      autocomplete="one-time-code"
      inputMode="numeric"
      maxLength={p.maxLength ?? 12}
      spellcheck={false}
      required
    />
  );
}

/** A labelled input whose hint and error are tied to it for screen readers (R21, WCAG 1.3.1 / 3.3.1). */
export function Input(p: InputProps) {
  const id = p.id ?? p.name;
  const hintId = p.hint ? `${id}-hint` : undefined;
  const errorId = p.error ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId, p.describedBy].filter(Boolean).join(' ') || undefined;
  const attrs: Record<string, string | number | boolean> = {
    id,
    name: p.name,
    type: p.type ?? 'text',
    value: p.value ?? '',
  };
  if (p.autocomplete) attrs.autocomplete = p.autocomplete;
  if (p.inputMode) attrs.inputMode = p.inputMode;
  if (p.maxLength) attrs.maxLength = p.maxLength;
  if (p.required) Object.assign(attrs, { required: true, 'aria-required': 'true' });
  if (p.readOnly) attrs.readOnly = true;
  if (p.spellcheck === false) Object.assign(attrs, { spellcheck: false, autocapitalize: 'off' });
  if (describedBy) attrs['aria-describedby'] = describedBy;
  if (p.error) attrs['aria-invalid'] = 'true';
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={id}>{p.label}</label>
      {/* A block of its own, not a span: a text browser (no CSS) would run the label into the hint (issue 25). */}
      {p.hint ? (
        <div class="hint" id={hintId}>
          {p.hint}
        </div>
      ) : null}
      {p.error ? (
        <p class="field-error" id={errorId}>
          {errorText(p.ctx, p.error)}
        </p>
      ) : null}
      <input {...(attrs as InputHTMLAttributes<HTMLInputElement>)} />
    </div>
  );
}

export interface SelectProps {
  ctx: Pick<PageContext, 't'>;
  name: string;
  label: string;
  value?: string | null | undefined;
  options: { value: string; label: string }[];
  error?: Pick<FieldError, 'code' | 'params'> | undefined;
  placeholder?: string;
  required?: boolean;
  autocomplete?: string;
}

export function Select(p: SelectProps) {
  const errorId = p.error ? `${p.name}-error` : undefined;
  return (
    <div class={`field${p.error ? ' has-error' : ''}`}>
      <label for={p.name}>{p.label}</label>
      {p.error ? (
        <p class="field-error" id={errorId}>
          {errorText(p.ctx, p.error)}
        </p>
      ) : null}
      <select
        id={p.name}
        name={p.name}
        {...(p.autocomplete ? { autocomplete: p.autocomplete } : {})}
        {...(p.required ? { required: true, 'aria-required': 'true' } : {})}
        {...(errorId ? { 'aria-describedby': errorId, 'aria-invalid': 'true' } : {})}
      >
        {p.placeholder ? <option value="">{p.placeholder}</option> : null}
        {p.options.map((o) => (
          <option value={o.value} selected={o.value === p.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** The list of problems at the top of a form, each a link to its field (WCAG 3.3.1; GOV.UK pattern). */
export function ErrorSummary({
  ctx,
  errors,
  labels,
}: {
  ctx: Pick<PageContext, 't'>;
  errors: FieldErrors;
  labels: Record<string, string>;
}) {
  const entries = Object.entries(errors).filter(
    (e): e is [string, NonNullable<FieldErrors[string]>] => e[1] !== undefined,
  );
  if (entries.length === 0) return null;
  return (
    <div class="alert error" role="alert" aria-labelledby="error-summary-title" tabIndex={-1} id="error-summary">
      <h2 id="error-summary-title">{ctx.t('form.errorSummary')}</h2>
      <ul>
        {entries.map(([field, error]) => (
          <li>
            <a href={`#${field}`}>
              {labels[field] ? `${labels[field]}: ` : ''}
              {errorText(ctx, error)}
            </a>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** A message box (info, success or error) for outcomes that are not tied to one field. */
export function Notice({
  kind = 'info',
  title,
  children,
}: {
  kind?: 'info' | 'success' | 'error';
  title?: string;
  children: ComponentChildren;
}) {
  return (
    <div class={`alert ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {title ? <h2>{title}</h2> : null}
      {children}
    </div>
  );
}
