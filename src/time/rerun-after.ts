/**
 * Runs a job one at a time; a call while a run is in flight asks for one more run after it (calls
 * during that run fold into it), so the state the last call saw is always acted on. `more` may
 * stop the repeating (a closed owner). Every caller gets the promise of the run in flight.
 */
export class RerunAfter {
  readonly #job: () => Promise<void>;
  readonly #more: () => boolean;
  #running: Promise<void> | undefined;
  #again = false;

  constructor(job: () => Promise<void>, more: () => boolean = () => true) {
    this.#job = job;
    this.#more = more;
  }

  run(): Promise<void> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#job();
      } while (this.#again && this.#more());
    })().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Resolves once the run in flight (if any) has ended, whether it failed or not. */
  async settled(): Promise<void> {
    await this.#running?.catch(() => {});
  }
}
