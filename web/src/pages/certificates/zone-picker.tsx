import { useState } from 'react';
import { messageOf, useApiQuery } from '../../api';
import { useAccount } from '../../session';
import { Alert, SelectField } from '../../ui';

/** The account's zones and the one a certificates page shows (the first until the visitor picks another). */
export function useZoneChoice() {
  const { account } = useAccount();
  const zones = useApiQuery('/zones', { query: { 'account.id': account.id, per_page: 50 } });
  const [zoneId, setZoneId] = useState<string | undefined>(undefined);
  const zone = zones.data?.find((z) => z.id === zoneId) ?? zones.data?.[0];
  /** Loaded, and the account has no zone: nothing to list. */
  const none = zone === undefined && zones.data !== undefined;
  return { zones, zone, none, setZoneId };
}

/**
 * The zone choice's own states: why the zones could not be read, the picker (only with more than one
 * zone), or that there is no zone yet, naming `what` the page lists per zone.
 */
export function ZonePicker({ choice, what }: { choice: ReturnType<typeof useZoneChoice>; what: string }) {
  const { zones, zone, none, setZoneId } = choice;
  if (zones.error !== null) return <Alert>{messageOf(zones.error)}</Alert>;
  if (none) return <p>No zone yet: {what} cover names in your zones.</p>;
  if (zones.data === undefined || zones.data.length <= 1) return null;
  return (
    <SelectField
      label="Zone"
      value={zone?.id ?? ''}
      onChange={(e) => setZoneId(e.target.value)}
      options={zones.data.map((z) => [z.id, z.name] as const)}
    />
  );
}
