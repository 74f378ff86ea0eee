// Every figure is checked against what it claims to have done, so a broken analyzer or server
// cannot look fast. The first failed check stops the bench with its message.
export class CheckFailed extends Error {}

export class Checks {
  readonly passed: string[] = [];

  /** `what` states the expectation with the measured values, e.g. "full build: 500 articles = 500 corpus records". */
  expect(ok: boolean, what: string): void {
    if (!ok) throw new CheckFailed(`check failed: ${what}`);
    this.passed.push(what);
  }
}

/** A run that cannot start as asked (wrong --index, too small a --limit): reported without a stack. */
export class UsageError extends Error {}
