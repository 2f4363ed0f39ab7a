import { useState } from 'react';
import { ApiError, api, messageOf } from '../../api';
import type { PageProps } from '../../routes';
import { useAccount } from '../../session';
import {
  Alert,
  Button,
  ConfirmDialog,
  CopyButton,
  Dialog,
  Field,
  PageHeader,
  SelectField,
  StatusBadge,
  Table,
} from '../../ui';
import { useApi } from '../../use-api';
import type { Zone } from '../dns/dns-types';
import type { BrowserKey } from './browser-csr';
import { download } from './download';

interface Certificate {
  id: string;
  certificate: string;
  hostnames: string[];
  expires_on: string;
  request_type: string;
  requested_validity: number;
  revoked_at: string | null;
  zone_id: string;
  status: 'active' | 'revoked' | 'expired';
}

const VALIDITIES: readonly (readonly [string, string])[] = [
  ['5475', '15 years'],
  ['1095', '3 years'],
  ['365', '1 year'],
  ['90', '90 days'],
  ['30', '30 days'],
  ['7', '7 days'],
];

/** The certificate just issued and its key, shown once. */
interface Issued {
  cert: Certificate;
  key: BrowserKey | undefined;
}

/** Origin certificates per zone: list, create (key made in the browser, or a pasted CSR), revoke. */
export function CertificatesPage(_: PageProps) {
  const { account } = useAccount();
  const zones = useApi<Zone[]>(`/zones?account.id=${encodeURIComponent(account.id)}&per_page=50`);
  const [zoneId, setZoneId] = useState<string | undefined>(undefined);
  const zone = zones.data?.find((z) => z.id === zoneId) ?? zones.data?.[0];
  const certs = useApi<Certificate[]>(zone === undefined ? undefined : `/certificates?zone_id=${zone.id}&per_page=100`);
  const [creating, setCreating] = useState(false);
  const [hostnames, setHostnames] = useState('');
  const [mode, setMode] = useState<'ecdsa' | 'rsa' | 'csr'>('ecdsa');
  const [csr, setCsr] = useState('');
  const [validity, setValidity] = useState('5475');
  const [hostError, setHostError] = useState<string | undefined>(undefined);
  const [issued, setIssued] = useState<Issued | undefined>(undefined);
  const [revoking, setRevoking] = useState<Certificate | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const create = async () => {
    setHostError(undefined);
    const names = hostnames
      .split(/[\s,]+/)
      .map((h) => h.trim())
      .filter((h) => h !== '');
    const { csrRequestType, generateKeyAndCsr } = await import('./browser-csr');
    const key = mode === 'csr' ? undefined : await generateKeyAndCsr(mode, names);
    const csrPem = key?.csr ?? csr;
    const requestType = key?.requestType ?? csrRequestType(csrPem);
    try {
      const cert = await api.post<Certificate>('/certificates', {
        csr: csrPem,
        hostnames: names,
        request_type: requestType,
        requested_validity: Number(validity),
      });
      setCreating(false);
      setIssued({ cert, key });
      certs.reload();
    } catch (err) {
      // Hostname problems go next to the hostnames field; the rest above the form.
      const hostProblem =
        err instanceof ApiError &&
        err.errors.some((e) => e.warren_code === 'WARREN_CERT_HOSTNAME' || e.source?.pointer?.startsWith('/hostnames'));
      if (hostProblem) setHostError(messageOf(err));
      else throw err;
    }
  };

  return (
    <>
      <PageHeader
        title="Origin certificates"
        description="Certificates signed by warren's origin CA, for your origin servers: the edge trusts them."
        actions={
          <Button
            variant="primary"
            disabled={zone === undefined}
            onClick={() => {
              setHostnames(zone === undefined ? '' : `${zone.name}, *.${zone.name}`);
              setHostError(undefined);
              setCreating(true);
            }}
          >
            Create a certificate
          </Button>
        }
      />
      {zones.error === undefined ? null : <Alert>{messageOf(zones.error)}</Alert>}
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      {zones.data !== undefined && zones.data.length > 1 ? (
        <SelectField
          label="Zone"
          value={zone?.id ?? ''}
          onChange={(e) => setZoneId(e.target.value)}
          options={zones.data.map((z) => [z.id, z.name] as const)}
        />
      ) : null}
      {issued === undefined ? null : (
        <section className="card" aria-labelledby="issued-title">
          <h2 id="issued-title">Certificate issued for {issued.cert.hostnames.join(', ')}</h2>
          {issued.key === undefined ? null : (
            <>
              <Alert kind="info">
                This is the only time the private key is shown: warren never had it. Save it now.
              </Alert>
              <h3>Private key</h3>
              <div className="secret-box">
                <pre data-secret="private-key">{issued.key.privateKeyPem}</pre>
                <CopyButton text={issued.key.privateKeyPem} />
                <Button
                  onClick={() => issued.key !== undefined && download('origin-key.pem', issued.key.privateKeyPem)}
                >
                  Download key
                </Button>
              </div>
            </>
          )}
          <h3>Certificate</h3>
          <div className="secret-box">
            <pre data-secret="certificate">{issued.cert.certificate}</pre>
            <CopyButton text={issued.cert.certificate} />
            <Button onClick={() => download('origin-cert.pem', issued.cert.certificate)}>Download certificate</Button>
          </div>
          <Button onClick={() => setIssued(undefined)}>Done</Button>
        </section>
      )}
      {certs.error === undefined ? null : <Alert>{messageOf(certs.error)}</Alert>}
      {certs.data === undefined ? (
        zone === undefined && zones.data !== undefined ? (
          <p>No zone yet: origin certificates cover names in your zones.</p>
        ) : (
          <p>Loading…</p>
        )
      ) : (
        <Table
          caption={`Origin certificates of ${zone?.name ?? ''}`}
          rows={certs.data}
          rowKey={(c) => c.id}
          empty={<p>No origin certificate for this zone yet.</p>}
          columns={[
            { header: 'Hostnames', cell: (c) => c.hostnames.join(', ') },
            {
              header: 'Status',
              cell: (c) => <StatusBadge status={c.status} />,
            },
            {
              header: 'Expires',
              cell: (c) => <time dateTime={c.expires_on}>{new Date(c.expires_on).toLocaleDateString()}</time>,
            },
            {
              header: 'Key',
              cell: (c) => (c.request_type === 'origin-rsa' ? 'RSA' : 'ECDSA'),
            },
            {
              header: 'Actions',
              cell: (c) =>
                c.status === 'revoked' ? (
                  <span className="muted">Revoked</span>
                ) : (
                  <Button variant="link" onClick={() => setRevoking(c)} aria-label={`Revoke ${c.hostnames.join(', ')}`}>
                    Revoke
                  </Button>
                ),
            },
          ]}
        />
      )}
      <Dialog
        open={creating}
        title="Create an origin certificate"
        submitLabel="Create"
        onSubmit={create}
        onClose={() => setCreating(false)}
      >
        <Field
          label="Hostnames"
          required
          value={hostnames}
          onChange={(e) => setHostnames(e.target.value)}
          hint="Separated by commas; a wildcard covers one level (*.example.com)."
          error={hostError}
          autoComplete="off"
        />
        <SelectField
          label="Private key"
          value={mode}
          onChange={(e) => setMode(e.target.value as 'ecdsa' | 'rsa' | 'csr')}
          options={[
            ['ecdsa', 'Generate an ECDSA P-256 key in this browser'],
            ['rsa', 'Generate an RSA 2048 key in this browser'],
            ['csr', 'I have my own CSR'],
          ]}
        />
        {mode === 'csr' ? (
          <div className="field">
            <label htmlFor="cert-csr">Certificate signing request (PEM)</label>
            <textarea id="cert-csr" rows={6} required value={csr} onChange={(e) => setCsr(e.target.value)} />
          </div>
        ) : null}
        <SelectField
          label="Validity"
          value={validity}
          onChange={(e) => setValidity(e.target.value)}
          options={VALIDITIES}
        />
      </Dialog>
      <ConfirmDialog
        open={revoking !== undefined}
        title="Revoke this certificate?"
        confirmLabel="Revoke"
        onConfirm={async () => {
          if (revoking === undefined) return;
          await api.del(`/certificates/${revoking.id}`);
          setNotice(`Revoked the certificate for ${revoking.hostnames.join(', ')}.`);
          certs.reload();
        }}
        onClose={() => setRevoking(undefined)}
      >
        <p>
          Origins that serve it for <strong>{revoking?.hostnames.join(', ')}</strong> stop being trusted by the edge.
          This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
