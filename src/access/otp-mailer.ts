import { WarrenError } from '../errors/index.js';
import { LazySmtpTransport } from './smtp-transport.js';

export interface OtpMail {
  to: string;
  code: string;
  /** The application's name, and the team domain the code is for. */
  appName: string;
  teamDomain: string;
}

/** Mail for one-time PINs over SMTP (`--smtp-url smtp://host:port`, `--smtp-from`). */
export class OtpMailer {
  readonly #transport: LazySmtpTransport;
  readonly #from: string;

  /** @throws WarrenError WARREN_CONFIG_INVALID when the URL is not smtp:// or smtps://. */
  constructor(smtpUrl: string, from: string) {
    let url: URL;
    try {
      url = new URL(smtpUrl);
    } catch {
      // The URL may hold a password: it is not repeated in the message.
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        '--smtp-url is not a URL; pass smtp://host:port or smtps://host:port',
      );
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new WarrenError(
        'WARREN_CONFIG_INVALID',
        `--smtp-url must start with smtp:// or smtps:// (got ${url.protocol}//); e.g. smtp://mail.example.com:587`,
      );
    }
    this.#transport = new LazySmtpTransport(smtpUrl);
    this.#from = from;
  }

  async send(m: OtpMail): Promise<void> {
    const transport = await this.#transport.get();
    await transport.sendMail({
      from: this.#from,
      to: m.to,
      subject: `Your login code for ${m.appName}`,
      text: [
        `Your one-time login code for ${m.appName} (${m.teamDomain}) is:`,
        '',
        `    ${m.code}`,
        '',
        'It is valid for 10 minutes and works once. If you did not ask for it, ignore this mail.',
        '',
      ].join('\n'),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
