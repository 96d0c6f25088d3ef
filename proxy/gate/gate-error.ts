// The one error type the gate's pages and APIs answer with: a status, a stable code for API
// clients, and text a person can act on. Anything else thrown is a 500 whose details stay in the log.
export interface GatePage {
  heading: string;
  text: string;
  link?: { href: string; text: string };
}

export class GateError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly page: GatePage,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${page.text}`, options);
    this.name = 'GateError';
  }
}

export const startOver = (href: string): GatePage['link'] => ({ href, text: 'Start again' });
