import { WarrenError } from '../../errors/index.js';

/** An ingress rule that cannot work. `ruleNumber` counts from 1, as users read their file. */
export class IngressError extends WarrenError {
  readonly ruleNumber: number | undefined;
  /** What is wrong, without the rule prefix. */
  readonly problem: string;
  /** What to write instead. */
  readonly fix: string;

  constructor(ruleNumber: number | undefined, problem: string, fix: string) {
    super(
      'WARREN_INGRESS_INVALID',
      `${ruleNumber === undefined ? 'ingress' : `ingress rule #${ruleNumber}`}: ${problem}; ${fix}`,
    );
    this.name = 'IngressError';
    this.ruleNumber = ruleNumber;
    this.problem = problem;
    this.fix = fix;
  }
}
