import { type ReactNode, useState } from 'react';
import '../access/forms.css';
import type { ApiToken, Body, PermissionGroup } from '../../api';
import { Alert, Button, Dialog, Field, QueryTable, ShownOnce, StatusBadge, useConfirm } from '../../ui';

const ZONE_SCOPE = 'com.cloudflare.api.account.zone';

export type TokenPolicies = Body<'post', '/user/tokens'>['policies'];

/**
 * The policy for the picked permission groups in one account, on the account's resource: its
 * account groups on the account, its zone groups on every zone of the account, today's and
 * those added later (Cloudflare's "All zones from an account"), never on another account's.
 * Not a list of zone ids: that list was the first page of zones only.
 */
export function policiesFor(chosen: readonly PermissionGroup[], accountId: string): TokenPolicies {
  if (chosen.length === 0) throw new Error('pick at least one permission');
  return [
    {
      effect: 'allow',
      resources: { [`com.cloudflare.api.account.${accountId}`]: '*' },
      permission_groups: chosen.map((g) => ({ id: g.id })),
    },
  ];
}

/** A token's permissions in words; one without policies (the setup token) acts as its user. */
export function permissionsOf(t: ApiToken): string {
  const names = t.policies.flatMap((p) => p.permission_groups.map((g) => g.name));
  return names.length === 0 ? 'All of your roles (no policy limits it)' : names.join(', ');
}

export interface TokenSectionProps {
  /** Heading and a line under it; none when the page header already says it. */
  heading?: { title: string; description: ReactNode };
  /** "token" or "account token": in button names, so the two sections' buttons differ. */
  noun: string;
  tokens: { data: readonly ApiToken[] | undefined; error: unknown };
  groups: readonly PermissionGroup[];
  accountId: string;
  /** Opens the create dialog from outside (the page header's primary button). */
  creating: boolean;
  setCreating: (open: boolean) => void;
  create: (name: string, policies: TokenPolicies) => Promise<{ name: string; value: string }>;
  roll: (t: ApiToken) => Promise<string>;
  remove: (t: ApiToken) => Promise<void>;
}

/** A list of API tokens with create, roll and delete; a new value is shown once. */
export function TokenSection(props: TokenSectionProps) {
  const { noun, groups } = props;
  const confirm = useConfirm();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [secret, setSecret] = useState<{ name: string; value: string } | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  // The dialog starts empty each time: it is cleared whenever it closes.
  const close = () => {
    setName('');
    setPicked(new Set());
    props.setCreating(false);
  };
  const create = async () => {
    const policies = policiesFor(
      groups.filter((g) => picked.has(g.id)),
      props.accountId,
    );
    const out = await props.create(name.trim(), policies);
    close();
    setSecret(out);
  };
  const roll = (t: ApiToken) =>
    confirm.ask({
      title: `Roll this ${noun}?`,
      confirmLabel: 'Roll',
      body: (
        <p>
          <strong>{t.name}</strong> gets a new value; the old one stops working at once.
        </p>
      ),
      run: async () => setSecret({ name: t.name, value: await props.roll(t) }),
    });
  const remove = (t: ApiToken) =>
    confirm.ask({
      title: `Delete this ${noun}?`,
      confirmLabel: 'Delete',
      body: (
        <p>
          Whatever uses <strong>{t.name}</strong> loses access at once.
        </p>
      ),
      run: async () => {
        await props.remove(t);
        setNotice(`Deleted ${t.name}.`);
      },
    });
  const prefix = noun === 'token' ? '' : `${noun} `;
  return (
    <section aria-label={props.heading?.title}>
      {props.heading === undefined ? null : (
        <>
          <h2>{props.heading.title}</h2>
          <p className="page-description">{props.heading.description}</p>
          <p>
            <Button onClick={() => props.setCreating(true)}>Create an {noun}</Button>
          </p>
        </>
      )}
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {secret === undefined ? null : (
        <ShownOnce
          title={`Token ${secret.name}`}
          values={[{ kind: 'shown-once', value: secret.value }]}
          onDone={() => setSecret(undefined)}
        />
      )}
      <QueryTable
        query={props.tokens}
        caption={props.heading?.title ?? 'API tokens'}
        rowKey={(t) => t.id}
        empty={<p>No {noun} yet.</p>}
        columns={[
          { header: 'Name', cell: (t) => t.name },
          {
            header: 'Permissions',
            cell: permissionsOf,
          },
          {
            header: 'Status',
            cell: (t) => (
              <StatusBadge
                status={t.status === 'active' ? 'active' : t.status === 'expired' ? 'expired' : 'inactive'}
                label={t.status}
              />
            ),
          },
          {
            header: 'Last used',
            cell: (t) => (t.last_used_on === null ? 'Never' : new Date(t.last_used_on).toLocaleString()),
          },
        ]}
        actions={(t) => [
          { label: 'Roll', name: `Roll ${prefix}${t.name}`, onClick: () => roll(t) },
          { label: 'Delete', name: `Delete ${prefix}${t.name}`, onClick: () => remove(t) },
        ]}
      />
      <Dialog
        open={props.creating}
        title={`Create an ${noun === 'token' ? 'API token' : noun}`}
        submitLabel="Create"
        onSubmit={create}
        onClose={close}
      >
        <Field
          label="Name"
          required
          value={name}
          maxLength={120}
          onChange={(e) => setName(e.target.value)}
          autoComplete="off"
        />
        <fieldset className="field">
          <legend>Permissions</legend>
          {groups.map((g) => (
            <label key={g.id} className="check">
              <input
                type="checkbox"
                checked={picked.has(g.id)}
                onChange={(e) => {
                  const next = new Set(picked);
                  if (e.target.checked) next.add(g.id);
                  else next.delete(g.id);
                  setPicked(next);
                }}
              />{' '}
              {g.name}
              {g.scopes.includes(ZONE_SCOPE) ? ' (all zones of this account)' : ''}
            </label>
          ))}
        </fieldset>
      </Dialog>
      {confirm.dialog}
    </section>
  );
}
