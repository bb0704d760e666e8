import { countryOptions } from '../../domain/country.js';
import type { Translate } from '../i18n/i18n.js';
import { Input, Select, type FieldErrors } from './form.js';
import type { PageContext } from './page-context.js';

// R3, R15, R23: the postal address's fields, the same in registration's step 2, on the member's contact page and in
// the back office's correction; src/domain/postal-address.ts checks what they post.

/** The fields' names, as every form that edits an address posts them. */
export const ADDRESS_FIELDS = ['address_line', 'postal_code', 'city', 'province', 'country'] as const;
export type AddressField = (typeof ADDRESS_FIELDS)[number];

/** The fields' labels, for a form's error summary. */
export function addressLabels(t: Translate): Record<AddressField, string> {
  return {
    address_line: t('address.line'),
    postal_code: t('address.postalCode'),
    city: t('address.city'),
    province: t('address.province'),
    country: t('address.country'),
  };
}

export interface AddressFieldsProps {
  ctx: Pick<PageContext, 't' | 'lang'>;
  values: Partial<Record<AddressField, string | null | undefined>>;
  errors: FieldErrors;
  /**
   * An agent typing a member's address (R23): the browser must not fill in the agent's own, and an empty address
   * removes it, so no field is required.
   */
  staff?: boolean;
}

/** The postal address: street, postal code (Spain's or another country's), town, province and country. */
export function AddressFields({ ctx, values, errors, staff = false }: AddressFieldsProps) {
  const labels = addressLabels(ctx.t);
  const auto = (purpose: string) => (staff ? 'off' : purpose);
  return (
    <>
      <Input
        ctx={ctx}
        name="address_line"
        label={labels.address_line}
        value={values.address_line}
        error={errors.address_line}
        autocomplete={auto('street-address')}
        maxLength={200}
        required={!staff}
      />
      <Input
        ctx={ctx}
        name="postal_code"
        label={labels.postal_code}
        hint={ctx.t('address.postalCodeHint')}
        value={values.postal_code}
        error={errors.postal_code}
        autocomplete={auto('postal-code')}
        maxLength={12}
      />
      <Input
        ctx={ctx}
        name="city"
        label={labels.city}
        value={values.city}
        error={errors.city}
        autocomplete={auto('address-level2')}
        maxLength={100}
        required={!staff}
      />
      <Input
        ctx={ctx}
        name="province"
        label={labels.province}
        value={values.province}
        error={errors.province}
        autocomplete={auto('address-level1')}
        maxLength={100}
      />
      <Select
        ctx={ctx}
        name="country"
        label={labels.country}
        value={values.country || 'ES'}
        error={errors.country}
        options={countryOptions(ctx.lang)}
        autocomplete={auto('country')}
        required
      />
    </>
  );
}
