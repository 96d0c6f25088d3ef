// What the front door hands the gate's pages (the Koa app) about a request it does not forward:
// the resolved request, absent when it could not be read, and why the gate answers instead of the
// app. A gate route on a known host carries no outcome: its own route answers.
import type { Verdict } from './authorize.js';
import type { UpstreamFailure } from './forward/upstreams.js';
import type { RequestContext } from './request-context.js';

export type Outcome =
  | { kind: 'verdict'; verdict: Exclude<Verdict, { kind: 'forward' }> }
  | { kind: 'unknown-host' }
  | { kind: 'bad-request'; reason: string }
  | { kind: 'upstream-failed'; failure: UpstreamFailure };

export interface Handoff {
  rc?: RequestContext;
  outcome?: Outcome;
}
