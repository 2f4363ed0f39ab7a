import { WarrenError } from '../../errors/index.js';

/** An ingress rule that cannot work. `ruleNumber` counts from 1, as users read their file. */
export class IngressError extends WarrenError {
  readonly ruleNumber: number | undefined;
  /** What is wrong, without the rule prefix. */
  readonly problem: string;
  /** What to write instead. */
  readonly fix: string;
  /**
   * The rule's key at fault (`service`, `hostname`, `path`, `originRequest.connectTimeout`), or
   * undefined for the rule as a whole (or, without a rule number, the list).
   */
  readonly field: string | undefined;

  constructor(ruleNumber: number | undefined, problem: string, fix: string, field?: string) {
    super(
      'WARREN_INGRESS_INVALID',
      `${ruleNumber === undefined ? 'ingress' : `ingress rule #${ruleNumber}`}: ${problem}; ${fix}`,
    );
    this.name = 'IngressError';
    this.ruleNumber = ruleNumber;
    this.problem = problem;
    this.fix = fix;
    this.field = field;
  }

  /** Where it is, as a path into the configuration: `ingress[2].service`, `originRequest.tlsTimeout`. */
  get at(): string {
    const rule = this.ruleNumber === undefined ? undefined : `ingress[${this.ruleNumber - 1}]`;
    if (rule === undefined) return this.field ?? 'ingress';
    return this.field === undefined ? rule : `${rule}.${this.field}`;
  }

  /** The same error, naming `field` (when it names none yet). */
  withField(field: string | undefined): IngressError {
    if (this.field !== undefined || field === undefined) return this;
    const e = new IngressError(this.ruleNumber, this.problem, this.fix, field);
    e.cause = this.cause;
    return e;
  }
}

/**
 * Every problem of a list of rules at once, in rule order (each rule is checked, not only up to
 * the first bad one). It reads as its first problem where one error is expected, and `all` lists them.
 */
export class IngressErrors extends IngressError {
  readonly all: readonly IngressError[];

  constructor(all: readonly IngressError[]) {
    const first = all[0];
    if (first === undefined) throw new TypeError('IngressErrors needs at least one error');
    super(first.ruleNumber, first.problem, first.fix, first.field);
    this.name = 'IngressErrors';
    this.all = all;
    if (all.length > 1) {
      this.message = `${all.length} problems in the ingress rules:\n${all.map((e) => `  ${e.message}`).join('\n')}`;
    }
  }

  /** One error as it is, several as IngressErrors. */
  static of(all: readonly IngressError[]): IngressError {
    return all.length === 1 && all[0] !== undefined ? all[0] : new IngressErrors(all);
  }
}
