import { useState } from 'react';
import { ApiError, api, apiKey, type Body, type Certificate, useApiMutation, useApiQuery } from '../../api';
import type { PageProps } from '../../routes';
import {
  Alert,
  Dialog,
  Field,
  PageHeader,
  QueryTable,
  RowActions,
  SelectField,
  ShownOnce,
  StatusBadge,
  useConfirm,
  useTextField,
} from '../../ui';
import type { BrowserKey } from './browser-csr';
import { useZoneChoice, ZonePicker } from './zone-picker';

type Validity = NonNullable<Body<'post', '/certificates'>['requested_validity']>;

const VALIDITIES: readonly (readonly [`${Validity}`, string])[] = [
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
  const choice = useZoneChoice();
  const { zone } = choice;
  const certs = useApiQuery(
    '/certificates',
    { query: { zone_id: zone?.id ?? '', per_page: 100 } },
    { enabled: zone !== undefined },
  );
  const change = useApiMutation([apiKey('/certificates')]);
  const confirm = useConfirm();
  const [creating, setCreating] = useState(false);
  const hostnames = useTextField();
  const [mode, setMode] = useState<'ecdsa' | 'rsa' | 'csr'>('ecdsa');
  const [csr, setCsr] = useState('');
  const [validity, setValidity] = useState<`${Validity}`>('5475');
  const [issued, setIssued] = useState<Issued | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>(undefined);

  const create = async () => {
    hostnames.setError(undefined);
    const names = hostnames.value
      .split(/[\s,]+/)
      .map((h) => h.trim())
      .filter((h) => h !== '');
    const { csrRequestType, generateKeyAndCsr } = await import('./browser-csr');
    const key = mode === 'csr' ? undefined : await generateKeyAndCsr(mode, names);
    const csrPem = key?.csr ?? csr;
    const requestType = key?.requestType ?? csrRequestType(csrPem);
    try {
      const body = {
        csr: csrPem,
        hostnames: names,
        request_type: requestType,
        requested_validity: Number(validity) as Validity,
      };
      const cert = await change(() => api.post('/certificates', { body }));
      setCreating(false);
      setIssued({ cert, key });
    } catch (err) {
      // Hostname problems go next to the hostnames field; the rest above the form.
      const hostProblem = err instanceof ApiError ? err.forField('hostnames', ['WARREN_CERT_HOSTNAME']) : undefined;
      if (hostProblem === undefined) throw err;
      hostnames.setError(hostProblem);
    }
  };

  const revoke = (c: Certificate) =>
    confirm.ask({
      title: 'Revoke this certificate?',
      confirmLabel: 'Revoke',
      body: (
        <p>
          Origins that serve it for <strong>{c.hostnames.join(', ')}</strong> stop being trusted by the edge. This
          cannot be undone.
        </p>
      ),
      run: async () => {
        await change(() => api.del('/certificates/{certificate_id}', { path: { certificate_id: c.id } }));
        setNotice(`Revoked the certificate for ${c.hostnames.join(', ')}.`);
      },
    });

  return (
    <>
      <PageHeader
        title="Origin certificates"
        description="Certificates signed by warren's origin CA, for your origin servers: the edge trusts them."
        primary={{
          label: 'Create a certificate',
          disabled: zone === undefined,
          onClick: () => {
            hostnames.reset(zone === undefined ? '' : `${zone.name}, *.${zone.name}`);
            setCreating(true);
          },
        }}
      />
      {notice === undefined ? null : <Alert kind="success">{notice}</Alert>}
      <ZonePicker choice={choice} what="origin certificates" />
      {issued === undefined ? null : (
        <ShownOnce
          title={`Certificate issued for ${issued.cert.hostnames.join(', ')}`}
          notice={
            issued.key === undefined
              ? null
              : 'This is the only time the private key is shown: warren never had it. Save it now.'
          }
          values={[
            ...(issued.key === undefined
              ? []
              : [
                  {
                    label: 'Private key',
                    kind: 'private-key',
                    value: issued.key.privateKeyPem,
                    download: { file: 'origin-key.pem', label: 'Download key' },
                  },
                ]),
            {
              label: 'Certificate',
              kind: 'certificate',
              value: issued.cert.certificate,
              download: { file: 'origin-cert.pem', label: 'Download certificate' },
            },
          ]}
          onDone={() => setIssued(undefined)}
        />
      )}
      {choice.none ? null : (
        <QueryTable
          query={certs}
          caption={`Origin certificates of ${zone?.name ?? ''}`}
          rowKey={(c) => c.id}
          empty={<p>No origin certificate for this zone yet.</p>}
          columns={[
            { header: 'Hostnames', cell: (c) => c.hostnames.join(', ') },
            { header: 'Status', cell: (c) => <StatusBadge status={c.status} /> },
            {
              header: 'Expires',
              cell: (c) => <time dateTime={c.expires_on}>{new Date(c.expires_on).toLocaleDateString()}</time>,
            },
            { header: 'Key', cell: (c) => (c.request_type === 'origin-rsa' ? 'RSA' : 'ECDSA') },
            {
              header: 'Actions',
              cell: (c) =>
                c.status === 'revoked' ? (
                  <span className="muted">Revoked</span>
                ) : (
                  <RowActions
                    actions={[{ label: 'Revoke', name: `Revoke ${c.hostnames.join(', ')}`, onClick: () => revoke(c) }]}
                  />
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
          {...hostnames.props}
          hint="Separated by commas; a wildcard covers one level (*.example.com)."
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
          onChange={(e) => setValidity(e.target.value as `${Validity}`)}
          options={VALIDITIES}
        />
      </Dialog>
      {confirm.dialog}
    </>
  );
}
