/**
 * Each audit action type in words, as the account's audit log shows it. Types are the API's
 * `action.type` (Cloudflare's names where Cloudflare has one: Registered, rec_add, …).
 */
export const ACTION_WORDS: Readonly<Record<string, string>> = {
  Registered: 'Connector connected to a tunnel',
  Unregistered: 'Connector disconnected from a tunnel',
  tunnel_create: 'Tunnel created',
  tunnel_update: 'Tunnel changed',
  tunnel_delete: 'Tunnel deleted',
  tunnel_configuration_update: 'Tunnel configuration changed',
  tunnel_management_token: 'Tunnel management token issued',
  rec_add: 'DNS record added',
  rec_set: 'DNS record changed',
  rec_del: 'DNS record deleted',
  zone_create: 'Zone added',
  zone_update: 'Zone changed',
  zone_delete: 'Zone deleted',
  zone_activate: 'Zone activated',
  zone_move: 'Zone moved to another account',
  certificate_issue: 'Origin certificate issued',
  certificate_revoke: 'Origin certificate revoked',
  custom_certificate_upload: 'Edge certificate uploaded',
  custom_certificate_delete: 'Edge certificate deleted',
  acme_certificate_issue: 'Edge certificate issued (ACME)',
  acme_certificate_renew: 'Edge certificate renewed (ACME)',
  acme_certificate_fail: 'Edge certificate issuance failed (ACME)',
  account_create: 'Account created',
  account_update: 'Account renamed',
  member_add: 'Member added',
  member_invite: 'Member invited',
  member_accept: 'Invitation accepted',
  member_reject: 'Invitation declined',
  member_update: 'Member roles changed',
  member_remove: 'Member removed',
  member_invited_elsewhere: 'Member invited to another account',
  member_join_elsewhere: 'Member joined another account',
  member_reject_elsewhere: 'Member declined another account',
  member_invite_withdrawn_elsewhere: 'Invitation to another account withdrawn',
  member_left_elsewhere: 'Member left another account',
  token_create: 'API token created',
  token_update: 'API token changed',
  token_roll: 'API token rolled',
  token_delete: 'API token deleted',
  api_key_roll: 'API key rolled',
  password_reset: 'Password reset',
  login: 'Signed in',
  login_lockout: 'Sign-in locked out',
  access_app_create: 'Access application created',
  access_app_update: 'Access application changed',
  access_app_delete: 'Access application deleted',
  access_app_revoke_tokens: 'Access application sessions revoked',
  access_policy_create: 'Access policy created',
  access_policy_update: 'Access policy changed',
  access_policy_delete: 'Access policy deleted',
  access_group_create: 'Access group created',
  access_group_update: 'Access group changed',
  access_group_delete: 'Access group deleted',
  access_identity_provider_create: 'Identity provider added',
  access_identity_provider_update: 'Identity provider changed',
  access_identity_provider_delete: 'Identity provider removed',
  access_organization_update: 'Access settings changed',
  access_key_settings_update: 'Signing key rotation settings changed',
  access_key_rotate: 'Signing keys rotated',
  access_service_token_create: 'Service token created',
  access_service_token_update: 'Service token changed',
  access_service_token_refresh: 'Service token extended',
  access_service_token_rotate: 'Service token secret rotated',
  access_service_token_delete: 'Service token deleted',
  access_certificate_create: 'mTLS certificate uploaded',
  access_certificate_update: 'mTLS certificate updated',
  access_certificate_delete: 'mTLS certificate deleted',
  zone_setting_update: 'Zone setting changed',
};

/** `rec_add` of a CNAME reads "CNAME record added", as Cloudflare's "CNAME add". */
export function actionWords(type: string, metadata: unknown): string {
  const base = ACTION_WORDS[type];
  const recordType =
    typeof metadata === 'object' && metadata !== null && typeof (metadata as { type?: unknown }).type === 'string'
      ? (metadata as { type: string }).type
      : undefined;
  if (base !== undefined && type.startsWith('rec_') && recordType !== undefined) {
    return base.replace('DNS record', `${recordType} record`);
  }
  // An action this table does not know yet still shows, in its own words.
  return base ?? type.replaceAll('_', ' ');
}
