/**
 * @file Errors. Core code throws; only the CLI turns errors into messages and exit codes.
 * A UserError is a mistake in the user's input (file, row, column, field): the CLI prints its
 * message on one line, without a stack trace. Anything else is a bug and keeps its stack.
 */

export class UserError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UserError';
  }
}

/** Several validation problems found at once, listed one per line. */
export class ValidationError extends UserError {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(problems.length === 1 ? `${source}: ${problems[0]}` : `${source}: ${problems.length} problems\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Ends the command with a given exit code (e.g. the gate's 1 = regression, 2 = unusable input).
 * The message, if any, is printed like a UserError's.
 */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = '',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ExitError';
  }
}
