import type { Transporter } from 'nodemailer';

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
  readonly #smtpUrl: string;
  /** nodemailer (about 3 MiB of heap) loads at the first mail, not with the server. */
  #transport: Promise<Transporter> | undefined;
  readonly #from: string;

  constructor(smtpUrl: string, from: string) {
    this.#smtpUrl = smtpUrl;
    this.#from = from;
  }

  #transporter(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ createTransport }) => createTransport(this.#smtpUrl));
    return this.#transport;
  }

  async send(m: InviteMail): Promise<void> {
    const transport = await this.#transporter();
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
    this.#transport?.then((t) => t.close()).catch(() => {});
  }
}
