// One family of errors: each says what failed, where, and what to do about it.

export class SearchError extends Error {
  constructor(
    message: string,
    /** What the user can do about it, shown after the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A seed file (or one line of it) cannot be read as articles. */
export class SeedFormatError extends SearchError {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

/** The user's query is not valid; `start`/`end` point at the offending characters. */
export class QueryParseError extends SearchError {
  constructor(
    message: string,
    readonly start: number,
    readonly end: number,
  ) {
    super(message);
  }
}

/** A request parameter is out of range or malformed (HTTP 400). */
export class InvalidParameterError extends SearchError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(`${parameter}: ${message}`);
  }
}

/** The index on disk is missing, from another format or analyzer, or damaged. It is never served. */
export class IndexUnusableError extends SearchError {
  constructor(
    readonly path: string,
    reason: string,
    hint = "rebuild it with `npm run index -- --full`",
  ) {
    super(`index at ${path} cannot be used: ${reason}`, hint);
  }
}
