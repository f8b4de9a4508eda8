/** An HTTP source answered with a non-2xx status; `status` decides whether a retry may help. */
export class HttpStatusError extends Error {
  override readonly name = 'HttpStatusError';

  /**
   * @param status - the response status
   * @param url - the request URL (credentials are never part of it: sources take a base URL without them)
   */
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`HTTP ${status} from ${url}`);
  }

  /** `HTTP_503` etc., the shape `error.type`-like codes take elsewhere in fedscope. */
  get code(): string {
    return `HTTP_${this.status}`;
  }
}
