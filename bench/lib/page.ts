/**
 * The realistic row: a 10 KiB HTML page fetched with the 12 request headers a browser sends on a
 * navigation (besides Host), at c=50. The origin (bench/origin.ts) serves it at PAGE_PATH.
 */
export const PAGE_PATH = '/page';
export const PAGE_BYTES = 10 * 1024;

/** A desktop Chrome navigation's headers, Host apart: cookies, user agent, accept-*, fetch metadata. */
export const PAGE_HEADERS: Record<string, string> = {
  'User-Agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  Accept:
    'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7',
  'Accept-Language': 'en-GB,en;q=0.9,de;q=0.8',
  'Accept-Encoding': 'gzip, deflate, br, zstd',
  Cookie: '_ga=GA1.1.1234567890.1733500000; session=3f1c9a0e5b7d4e21a8c6f0b2d9e4c7a1; theme=dark; consent=1',
  Referer: 'http://example.test/',
  'Cache-Control': 'max-age=0',
  'Upgrade-Insecure-Requests': '1',
  'Sec-Fetch-Dest': 'document',
  'Sec-Fetch-Mode': 'navigate',
  'Sec-Fetch-Site': 'same-origin',
  'Sec-Ch-Ua': '"Chromium";v="131", "Not_A Brand";v="24"',
};

/** The page's bytes: HTML of exactly PAGE_BYTES bytes. */
export function pageBody(): Buffer {
  const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>warren bench</title></head><body>\n';
  const tail = '</body></html>\n';
  const line = '<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.</p>\n';
  let body = head;
  while (body.length + line.length + tail.length <= PAGE_BYTES) body += line;
  body += ' '.repeat(PAGE_BYTES - body.length - tail.length) + tail;
  return Buffer.from(body, 'latin1');
}
