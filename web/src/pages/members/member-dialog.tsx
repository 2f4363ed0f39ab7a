import { useEffect, useState } from 'react';
import type { Member, Role } from '../../api';
import { Alert, Dialog, Field, SelectField } from '../../ui';

/** Invite a member, create a service user, or change a member's role (open while `which` is set). */
export function MemberDialog(props: {
  which: 'invite' | 'service' | Member | undefined;
  roles: readonly Role[];
  /** The e-mail (invite) or name (service user), trimmed, and the role id. */
  onSave: (name: string, role: string) => Promise<void>;
  onClose: () => void;
}) {
  const { which } = props;
  const [name, setName] = useState('');
  const [roleId, setRoleId] = useState('');
  useEffect(() => {
    setName('');
    setRoleId(typeof which === 'object' ? (which.roles[0]?.id ?? '') : '');
  }, [which]);
  // New members start with the least role (fewest permissions), never Super Administrator.
  const role = roleId === '' ? (leastRole(props.roles)?.id ?? '') : roleId;
  const roleField = (
    <SelectField
      label="Role"
      value={role}
      onChange={(e) => setRoleId(e.target.value)}
      options={props.roles.map((r) => [r.id, r.name] as const)}
    />
  );
  const dialog = {
    open: which !== undefined,
    onSubmit: () => props.onSave(name.trim(), role),
    onClose: props.onClose,
  };
  if (typeof which === 'object') {
    return (
      <Dialog {...dialog} title={`Change the role of ${which.user.email}`} submitLabel="Change role">
        <Alert kind="info">
          Changing roles rolls this member's API key: scripts using their old key stop working until given the new one.
        </Alert>
        {roleField}
      </Dialog>
    );
  }
  const service = which === 'service';
  return (
    <Dialog
      {...dialog}
      title={service ? 'Create a service user' : 'Invite a member'}
      submitLabel={service ? 'Create' : 'Invite'}
    >
      <Field
        label={service ? 'Name' : 'E-mail'}
        type={service ? 'text' : 'email'}
        required
        value={name}
        onChange={(e) => setName(e.target.value)}
        hint={service ? 'Lowercase letters, digits and dashes, e.g. ci-deploy' : undefined}
        autoComplete="off"
      />
      {roleField}
    </Dialog>
  );
}

/** The role that grants the fewest permissions (the first such in the API's order). */
export function leastRole(roles: readonly Role[]): Role | undefined {
  const count = (r: Role) => Object.values(r.permissions ?? {}).filter(Boolean).length;
  return roles.reduce<Role | undefined>(
    (least, r) => (least === undefined || count(r) < count(least) ? r : least),
    undefined,
  );
}
