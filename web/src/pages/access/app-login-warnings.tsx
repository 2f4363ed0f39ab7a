import { type AccessApp, type IdentityProvider, useApiQuery } from '../../api';
import { Link } from '../../router';
import { Alert } from '../../ui';
import { useOrganization } from './use-organization';

/**
 * Why visitors of `app` could not log in, if they could not: the account has no team domain, no
 * login method, or none of the methods the app allows still exists.
 */
export function AppLoginWarnings({ accountId, app }: { accountId: string; app: AccessApp | undefined }) {
  const { missing } = useOrganization(accountId);
  const idps = useApiQuery('/accounts/{account_id}/access/identity_providers', {
    path: { account_id: accountId },
    query: { per_page: 100 },
  });
  const settings = <Link to="/access/settings">Access settings</Link>;
  const list: readonly IdentityProvider[] | undefined = idps.data;
  const allowed = app?.allowed_idps ?? [];
  const noMethod = list !== undefined && list.length === 0;
  const noneLeft =
    list !== undefined && list.length > 0 && allowed.length > 0 && !list.some((i) => allowed.includes(i.id));
  return (
    <>
      {missing ? (
        <Alert>
          This account has no team domain, so visitors get “403 no Access team domain” instead of a login page. Set a
          team name in {settings}.
        </Alert>
      ) : null}
      {noMethod ? (
        <Alert>
          This account has no login method, so nobody can log in to this application. Add one (one-time PIN needs no
          set-up) in {settings}.
        </Alert>
      ) : null}
      {noneLeft ? (
        <Alert>
          None of the login methods this application allows exists any more: edit the application and pick one.
        </Alert>
      ) : null}
    </>
  );
}
