import { LazySmtpTransport } from '../../access/index.js';

export interface InviteMail {
  to: string;
  accountName: string;
  invitedBy: string;
  roles: readonly string[];
  link: string;
  expiresOn: string;
}

/** Invitation mail over the SMTP server of one-time PINs (`--smtp-url`, `--smtp-from`; serve checked the URL). */
export class InviteMailer {
  readonly #transport: LazySmtpTransport;
  readonly #from: string;

  constructor(smtpUrl: string, from: string) {
    this.#transport = new LazySmtpTransport(smtpUrl);
    this.#from = from;
  }

  async send(m: InviteMail): Promise<void> {
    const transport = await this.#transport.get();
    await transport.sendMail({
      from: this.#from,
      to: m.to,
      subject: `${m.invitedBy} invited you to ${m.accountName} on warren`,
      text: [
        `${m.invitedBy} invited you to the account ${m.accountName} as ${m.roles.join(', ')}.`,
        '',
        'Open this link to accept (and, if you are new to warren, choose a password):',
        '',
        `    ${m.link}`,
        '',
        `The invitation can be accepted until ${m.expiresOn}. If you did not expect it, ignore this mail.`,
        '',
      ].join('\n'),
    });
  }

  close(): void {
    this.#transport.close();
  }
}
