import type { MessageKey } from '../i18n/i18n.js';
import { Layout } from './layout.js';
import type { PageContext } from './page-context.js';

export interface ErrorPageProps {
  ctx: PageContext;
  titleKey: MessageKey;
  bodyKey: MessageKey;
  reference?: string;
  /** A help topic that explains the problem (R26). */
  help?: { href: string; label: MessageKey };
}

/** Error pages in the member's language, with the support contact (R18) and never a stack trace. */
export function ErrorPage({ ctx, titleKey, bodyKey, reference, help }: ErrorPageProps) {
  const { t } = ctx;
  return (
    <Layout ctx={ctx} title={t(titleKey)}>
      <h1>{t(titleKey)}</h1>
      <p>{t(bodyKey)}</p>
      {reference ? <p class="muted">{t('error.reference', { id: reference })}</p> : null}
      {help ? (
        <p>
          <a href={help.href}>{t(help.label)}</a>
        </p>
      ) : null}
      <p>
        <a href="/">{t('error.backHome')}</a>
      </p>
    </Layout>
  );
}
