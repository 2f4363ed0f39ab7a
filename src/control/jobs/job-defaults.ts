// Apart from the jobs so the CLI's flag definitions load no store code.

export const DEFAULT_PENDING_ZONE_EXPIRY_DAYS = 28; // as Cloudflare: pending zones are deleted after 28 days
