import { useState } from 'react';
import { ApiError, api, apiKey, type IngressRule, messageOf, useApiMutation, useApiQuery, type Zone } from '../../api';
import { Alert, Button, Dialog, Field, Table, useConfirm } from '../../ui';

const CATCH_ALL: IngressRule = { service: 'http_status:404' };
type RuleField = 'hostname' | 'path' | 'service';
type FieldErrors = Partial<Record<RuleField, string>>;

/** The zone of `host`: the longest zone name it equals or ends in. */
function zoneOf(host: string, zones: readonly Zone[]): Zone | undefined {
  const h = host.toLowerCase();
  return zones.filter((z) => h === z.name || h.endsWith(`.${z.name}`)).sort((a, b) => b.name.length - a.name.length)[0];
}

/**
 * Where the errors of PUT /configurations go. The API answers every problem at once, one entry
 * each with its `source.pointer` (`/config/ingress/2/path`): those of the rule being saved go
 * under its field (all of them, one per line), and anything else about that rule (its
 * originRequest, its place in the list) under the service. An unpointed WARREN_API_INVALID is
 * about the rule too.
 */
function configErrors(err: ApiError, index: number): FieldErrors | undefined {
  const rule = `/config/ingress/${index}`;
  const found: FieldErrors = {};
  for (const e of err.errors) {
    const p = e.source?.pointer;
    const field: RuleField | undefined =
      p === `${rule}/hostname`
        ? 'hostname'
        : p === `${rule}/path`
          ? 'path'
          : p === rule ||
              p?.startsWith(`${rule}/`) === true ||
              (p === undefined && e.warren_code === 'WARREN_API_INVALID')
            ? 'service'
            : undefined;
    if (field !== undefined) found[field] = found[field] === undefined ? e.message : `${found[field]}\n${e.message}`;
  }
  return Object.keys(found).length > 0 ? found : undefined;
}

/** What is wrong with a path pattern, checked here so the server's unpointed errors are about the service. */
function pathProblem(path: string): string | undefined {
  try {
    new RegExp(path);
    return undefined;
  } catch (err) {
    return `path is not a regular expression: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * The service's shape, as the connector reads it (src/connector/ingress/origin-service.ts): a
 * URL with a known scheme and a host, unix:, http_status:NNN or hello_world. The server checks
 * the rest (a path on the URL, …) and its answer goes under the service too.
 */
function serviceProblem(service: string): string | undefined {
  const s = service.trim();
  if (s === '') return 'service is empty: write e.g. http://localhost:8000';
  if (/^(unix|unix\+tls):./.test(s) || /^http_status:[2-5]\d\d$/.test(s) || s === 'hello_world') return undefined;
  const m = /^([a-z][a-z0-9+.-]*):\/\/[^/?#\s]+/i.exec(s);
  if (m === null) {
    return `"${s}" is not a service: write a URL with a scheme and a host (http://localhost:8000), unix:/path, http_status:404 or hello_world`;
  }
  const scheme = (m[1] ?? '').toLowerCase();
  if (!['http', 'https', 'ws', 'wss', 'tcp', 'ssh', 'rdp', 'smb'].includes(scheme)) {
    return `"${s}" has the unknown scheme "${scheme}": use http://, https://, tcp://, ssh://, rdp://, smb://, unix:, http_status:NNN or hello_world`;
  }
  return undefined;
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
export function PublicHostnames({ path }: { path: { account_id: string; tunnel_id: string } }) {
  const conf = useApiQuery('/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations', { path });
  const zones = useApiQuery('/zones', { query: { 'account.id': path.account_id, per_page: 50 } });
  // A save changes the configuration and the tunnel's routes (and a zone's records).
  const change = useApiMutation([apiKey('/accounts/{account_id}/cfd_tunnel/{tunnel_id}', path), apiKey('/zones')]);
  const confirm = useConfirm();
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const ingress = conf.data?.config?.ingress ?? [];
  const last = ingress[ingress.length - 1];
  const catchAll = last !== undefined && (last.hostname === undefined || last.hostname === '') ? last : CATCH_ALL;
  const rules = ingress.filter((r) => r !== catchAll);

  const put = (next: IngressRule[]) =>
    change(() =>
      api.put('/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations', {
        path,
        body: { config: { ...(conf.data?.config ?? {}), ingress: [...next, catchAll] } },
      }),
    );
  const edit = (d: Draft) => {
    setErrors({});
    setDraft(d);
  };

  const save = async () => {
    if (draft === undefined) return;
    setErrors({});
    const hostname = draft.hostname.trim().toLowerCase();
    const rule: IngressRule = { hostname, service: draft.service.trim() };
    if (draft.path.trim() !== '') rule.path = draft.path.trim();
    const prior = draft.index === undefined ? undefined : rules[draft.index];
    if (prior?.originRequest !== undefined) rule.originRequest = prior.originRequest;
    const next = draft.index === undefined ? [...rules, rule] : rules.map((r, i) => (i === draft.index ? rule : r));
    const zone = zoneOf(hostname, zones.data ?? []);
    // Every field's problem at once, before anything is written.
    const local: FieldErrors = {
      hostname:
        prior?.hostname === hostname || zone !== undefined
          ? undefined
          : `${hostname || 'this hostname'} is not inside a zone of this account; add its zone first`,
      path: rule.path === undefined ? undefined : pathProblem(rule.path),
      service: serviceProblem(rule.service),
    };
    if (local.hostname !== undefined || local.path !== undefined || local.service !== undefined) {
      return setErrors(local);
    }
    // A route this save creates goes again if the configuration is refused: nothing of it stays.
    let newRoute = false;
    if (prior?.hostname !== hostname && zone !== undefined) {
      try {
        const routed = await change(() =>
          api.put('/zones/{zone_id}/tunnels/{tunnel_id}/routes', {
            path: { zone_id: zone.id, tunnel_id: path.tunnel_id },
            body: { type: 'dns', user_hostname: hostname },
          }),
        );
        newRoute = typeof routed === 'object' && routed !== null && 'cname' in routed && routed.cname === 'new';
      } catch (err) {
        // Everything the route refuses (outside the zone, the apex, a record in the way) is about the hostname.
        if (!(err instanceof ApiError) || err.status >= 500) throw err;
        return setErrors({ hostname: err.message });
      }
    }
    try {
      await put(next);
    } catch (err) {
      const found = err instanceof ApiError ? configErrors(err, draft.index ?? rules.length) : undefined;
      if (found === undefined) throw err;
      if (newRoute) {
        await change(() =>
          api.del('/accounts/{account_id}/tunnel_routes', {
            path: { account_id: path.account_id },
            query: { hostname },
          }),
        );
      }
      return setErrors(found);
    }
    setDraft(undefined);
    setNotice(`Saved: ${hostname} goes to ${rule.service}. Running connectors pick it up without a restart.`);
  };

  const notAvailable = conf.error instanceof ApiError && conf.error.status === 404 && conf.data === undefined;
  return (
    <section aria-labelledby="hostnames-heading">
      <div className="page-header-row">
        <h2 id="hostnames-heading">Public hostnames</h2>
        <Button
          variant="primary"
          disabled={conf.data === undefined}
          onClick={() => edit({ index: undefined, hostname: '', path: '', service: 'http://localhost:8000' })}
        >
          Add a public hostname
        </Button>
      </div>
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {notAvailable ? (
        <Alert kind="info">This warren has no remote tunnel configuration yet; use a config file.</Alert>
      ) : conf.error === null ? null : (
        <Alert>{messageOf(conf.error)}</Alert>
      )}
      {conf.data === undefined ? null : (
        <>
          <Table
            caption="Public hostnames"
            rows={rules.map((r, i) => ({ r, i }))}
            rowKey={({ r, i }) => `${i}:${r.hostname ?? ''}:${r.path ?? ''}`}
            empty={<p>No public hostname yet. Add one to send a hostname to a service next to the connector.</p>}
            columns={[
              { header: 'Hostname', cell: ({ r }) => r.hostname ?? '*' },
              { header: 'Path', cell: ({ r }) => (r.path === undefined ? '*' : <code>{r.path}</code>) },
              { header: 'Service', cell: ({ r }) => <code>{r.service}</code> },
            ]}
            actions={({ r, i }) => [
              {
                label: 'Edit',
                name: `Edit ${r.hostname ?? 'rule'}`,
                onClick: () => edit({ index: i, hostname: r.hostname ?? '', path: r.path ?? '', service: r.service }),
              },
              {
                label: 'Delete',
                name: `Delete ${r.hostname ?? 'rule'}`,
                onClick: () =>
                  confirm.ask({
                    title: 'Delete public hostname',
                    confirmLabel: 'Delete',
                    body: (
                      <p>
                        {r.hostname ?? 'This rule'} stops reaching its service. Its DNS route stays until you delete it
                        under DNS.
                      </p>
                    ),
                    run: () => put(rules.filter((_, j) => j !== i)),
                  }),
              },
            ]}
          />
          <p className="muted">
            Anything else gets <code>{catchAll.service}</code>. Configuration version {conf.data.version}.
          </p>
        </>
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
      {confirm.dialog}
    </section>
  );
}
