import { useState } from 'react';
import { ApiError, api, messageOf } from '../../api';
import { Alert, Button, ConfirmDialog, Dialog, Field, Table } from '../../ui';
import { useApi } from '../../use-api';

/** One ingress rule, in cloudflared's (and Cloudflare's API) shape. */
export interface IngressRule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: Record<string, unknown>;
}

/** `GET /accounts/{a}/cfd_tunnel/{t}/configurations`. */
export interface TunnelConfiguration {
  tunnel_id?: string;
  version: number;
  config: { ingress?: IngressRule[]; originRequest?: Record<string, unknown> } | null;
  source?: string;
  created_at?: string;
}

interface Zone {
  id: string;
  name: string;
}

const CATCH_ALL: IngressRule = { service: 'http_status:404' };

/** The zone of `host`: the longest zone name it equals or ends in. */
function zoneOf(host: string, zones: readonly Zone[]): Zone | undefined {
  const h = host.toLowerCase();
  return zones.filter((z) => h === z.name || h.endsWith(`.${z.name}`)).sort((a, b) => b.name.length - a.name.length)[0];
}

/** Which form field an error of PUT /configurations (or of the route) belongs to. */
function fieldOf(err: ApiError, field: 'hostname' | 'path' | 'service'): string | undefined {
  return err.errors.find((e) => e.source?.pointer?.endsWith(`/${field}`) === true)?.message;
}

interface Draft {
  /** Index in the rules being edited; undefined: a new rule. */
  index: number | undefined;
  hostname: string;
  path: string;
  service: string;
}

/**
 * Public hostnames of a remotely-managed tunnel: hostname + path → service. Saving writes the
 * whole ingress list (the catch-all stays last) with PUT /configurations, which the edge pushes
 * to the running connectors, and creates the hostname's DNS route.
 */
export function PublicHostnames({ accountId, tunnelId }: { accountId: string; tunnelId: string }) {
  const base = `/accounts/${accountId}/cfd_tunnel/${tunnelId}`;
  const conf = useApi<TunnelConfiguration>(`${base}/configurations`);
  const zones = useApi<Zone[]>(`/zones?account.id=${accountId}&per_page=50`);
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [errors, setErrors] = useState<Partial<Record<'hostname' | 'path' | 'service', string>>>({});
  const [removing, setRemoving] = useState<number | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const ingress = conf.data?.config?.ingress ?? [];
  const last = ingress[ingress.length - 1];
  const catchAll = last !== undefined && (last.hostname === undefined || last.hostname === '') ? last : CATCH_ALL;
  const rules = ingress.filter((r) => r !== catchAll);

  const put = (next: IngressRule[]) =>
    api.put<TunnelConfiguration>(`${base}/configurations`, {
      config: { ...(conf.data?.config ?? {}), ingress: [...next, catchAll] },
    });

  const save = async () => {
    if (draft === undefined) return;
    setErrors({});
    const hostname = draft.hostname.trim().toLowerCase();
    const rule: IngressRule = { hostname, service: draft.service.trim() };
    if (draft.path.trim() !== '') rule.path = draft.path.trim();
    const prior = draft.index === undefined ? undefined : rules[draft.index];
    if (prior?.originRequest !== undefined) rule.originRequest = prior.originRequest;
    const next = draft.index === undefined ? [...rules, rule] : rules.map((r, i) => (i === draft.index ? rule : r));
    if (prior?.hostname !== hostname) {
      const zone = zoneOf(hostname, zones.data ?? []);
      if (zone === undefined) {
        setErrors({
          hostname: `${hostname || 'this hostname'} is not inside a zone of this account; add its zone first`,
        });
        return;
      }
      try {
        await api.put(`/zones/${zone.id}/tunnels/${tunnelId}/routes`, { type: 'dns', user_hostname: hostname });
      } catch (err) {
        // Everything the route refuses (outside the zone, the apex, a record in the way) is about the hostname.
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        setErrors({ hostname: err.message });
        return;
      }
    }
    try {
      await put(next);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const found = {
        hostname: fieldOf(err, 'hostname'),
        path: fieldOf(err, 'path'),
        service: fieldOf(err, 'service'),
      };
      if (found.hostname === undefined && found.path === undefined && found.service === undefined) throw err;
      setErrors(found);
      return;
    }
    setDraft(undefined);
    setNotice(`Saved: ${hostname} goes to ${rule.service}. Running connectors pick it up without a restart.`);
    conf.reload();
  };

  const notAvailable = conf.error instanceof ApiError && conf.error.status === 404 && conf.data === undefined;
  return (
    <section aria-labelledby="hostnames-heading">
      <div className="page-header-row">
        <h2 id="hostnames-heading">Public hostnames</h2>
        <Button
          variant="primary"
          disabled={conf.data === undefined}
          onClick={() => {
            setErrors({});
            setDraft({ index: undefined, hostname: '', path: '', service: 'http://localhost:8000' });
          }}
        >
          Add a public hostname
        </Button>
      </div>
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {notAvailable ? (
        <Alert kind="info">This warren has no remote tunnel configuration yet; use a config file.</Alert>
      ) : conf.error === undefined ? null : (
        <Alert>{messageOf(conf.error)}</Alert>
      )}
      {conf.data === undefined ? null : (
        <Table
          caption="Public hostnames"
          rows={rules.map((r, i) => ({ r, i }))}
          rowKey={({ r, i }) => `${i}:${r.hostname ?? ''}:${r.path ?? ''}`}
          empty={<p>No public hostname yet. Add one to send a hostname to a service next to the connector.</p>}
          columns={[
            { header: 'Hostname', cell: ({ r }) => r.hostname ?? '*' },
            { header: 'Path', cell: ({ r }) => (r.path === undefined ? '*' : <code>{r.path}</code>) },
            { header: 'Service', cell: ({ r }) => <code>{r.service}</code> },
            {
              header: 'Actions',
              cell: ({ r, i }) => (
                <span className="page-actions">
                  <Button
                    aria-label={`Edit ${r.hostname ?? 'rule'}`}
                    onClick={() => {
                      setErrors({});
                      setDraft({ index: i, hostname: r.hostname ?? '', path: r.path ?? '', service: r.service });
                    }}
                  >
                    Edit
                  </Button>
                  <Button aria-label={`Delete ${r.hostname ?? 'rule'}`} onClick={() => setRemoving(i)}>
                    Delete
                  </Button>
                </span>
              ),
            },
          ]}
        />
      )}
      {conf.data === undefined ? null : (
        <p className="muted">
          Anything else gets <code>{catchAll.service}</code>. Configuration version {conf.data.version}.
        </p>
      )}
      <Dialog
        open={draft !== undefined}
        title={draft?.index === undefined ? 'Add a public hostname' : 'Edit public hostname'}
        submitLabel="Save"
        onSubmit={save}
        onClose={() => setDraft(undefined)}
      >
        {draft === undefined ? null : (
          <>
            <Field
              label="Hostname"
              name="hostname"
              required
              autoComplete="off"
              value={draft.hostname}
              onChange={(e) => setDraft({ ...draft, hostname: e.target.value })}
              error={errors.hostname}
              hint="A name inside one of this account's zones, e.g. app.example.com. Its DNS route is created."
            />
            <Field
              label="Path (optional)"
              name="path"
              autoComplete="off"
              value={draft.path}
              onChange={(e) => setDraft({ ...draft, path: e.target.value })}
              error={errors.path}
              hint="A regular expression matched against the URL path, e.g. ^/api/."
            />
            <Field
              label="Service"
              name="service"
              required
              autoComplete="off"
              value={draft.service}
              onChange={(e) => setDraft({ ...draft, service: e.target.value })}
              error={errors.service}
              hint="Where the connector sends requests: http://localhost:8000, https://…, unix:/path, http_status:404, hello_world."
            />
          </>
        )}
      </Dialog>
      <ConfirmDialog
        open={removing !== undefined}
        title="Delete public hostname"
        confirmLabel="Delete"
        onConfirm={async () => {
          if (removing === undefined) return;
          await put(rules.filter((_, i) => i !== removing));
          conf.reload();
        }}
        onClose={() => setRemoving(undefined)}
      >
        <p>
          {rules[removing ?? -1]?.hostname ?? 'This rule'} stops reaching its service. Its DNS route stays until you
          delete it under DNS.
        </p>
      </ConfirmDialog>
    </section>
  );
}
