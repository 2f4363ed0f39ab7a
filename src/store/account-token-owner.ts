/**
 * Account-owned API tokens belong to one hidden service user per account, a super administrator
 * of that account only: the tokens then outlive whoever made them, and every right check that
 * works for a user works for them. Its name starts with `_`, which a service user's name cannot
 * (`/accounts/{a}/service_users` takes `^[a-z0-9]…`), and it is left out of the member lists, so
 * nobody can remove it, change its roles, or count it as the account's last super administrator.
 */
const OWNER_NAME = '_account-tokens';

/** The owner's address: a service user's (`name@<account>.service.invalid`). */
export function accountTokenOwnerEmail(accountId: string): string {
  return `${OWNER_NAME}@${accountId}.service.invalid`;
}

export function isAccountTokenOwner(email: string): boolean {
  return email.startsWith(`${OWNER_NAME}@`);
}
