import type { Transporter } from 'nodemailer';

/**
 * The SMTP transport of `--smtp-url` (checked by the caller). nodemailer (about 3 MiB of heap) loads
 * at the first mail, not with the server.
 */
export class LazySmtpTransport {
  readonly #url: string;
  #transport: Promise<Transporter> | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  get(): Promise<Transporter> {
    this.#transport ??= import('nodemailer').then(({ createTransport }) => createTransport(this.#url));
    return this.#transport;
  }

  close(): void {
    this.#transport?.then((t) => t.close()).catch(() => {});
  }
}
