import type { ComponentChildren } from 'preact';
import { Notice } from '../../infra/web/form.js';
import type { PageContext } from '../../infra/web/page-context.js';
import { BackofficeLayout } from './backoffice-layout.js';
import type { StaffPrincipal } from './staff-session.js';

// R23, R24, R35: what an administrator registers for another system (an API key, an app that signs members in) is
// listed the same way: a title, the notice of a revocation just done, what they are for, a button for a new one,
// and a table of every one, revoked ones included, with a revoke link on each live one.

export interface CredentialListProps {
  ctx: PageContext;
  staff: StaffPrincipal;
  title: string;
  /** The notice shown after a revocation (`?revoked=1`), or null. */
  revokedNotice: string | null;
  intro: string;
  newHref: string;
  newLabel: string;
  /** The text when there is none yet. */
  none: string;
  /** The table's id stem, its caption and column headings; its rows (one `<tr>` each) are the children. */
  tableId: string;
  caption: string;
  columns: string[];
  count: number;
  children: ComponentChildren;
}

export function CredentialListPage(p: CredentialListProps) {
  return (
    <BackofficeLayout ctx={p.ctx} staff={p.staff} title={p.title}>
      <h1>{p.title}</h1>
      {p.revokedNotice ? (
        <Notice kind="success">
          <p data-notice="revoked">{p.revokedNotice}</p>
        </Notice>
      ) : null}
      <p>{p.intro}</p>
      <p>
        <a class="button" href={p.newHref}>
          {p.newLabel}
        </a>
      </p>
      {p.count === 0 ? (
        <p>{p.none}</p>
      ) : (
        <div class="bo-table" role="region" aria-labelledby={`${p.tableId}-caption`} tabIndex={0}>
          <table>
            <caption id={`${p.tableId}-caption`}>{p.caption}</caption>
            <thead>
              <tr>
                {p.columns.map((c) => (
                  <th scope="col">{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>{p.children}</tbody>
          </table>
        </div>
      )}
    </BackofficeLayout>
  );
}
