// Approval attempts on the store: number matching, single decision, single collection by the
// desktop's own flow, expiry, the one-time phrase and the per-person prompt limit.
import { describe, expect, it } from 'vitest';

import type { AuditEvent } from '../../src/audit/audit-log.js';
import type { ApprovalRequest, Approver } from '../../src/challenge/approvals.js';
import { createApprovals, phraseIn } from '../../src/challenge/approvals.js';
import { createSigner } from '../../src/session/signer.js';
import { createManualClock } from '../../src/shared/clock.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { TEST_SECRET } from '../helpers/gate.js';

function make(promptsPerMinute = 3) {
  const clock = createManualClock();
  const store = createMemoryStore({ maxEntries: 1_000, clock });
  const events: AuditEvent[] = [];
  const approvals = createApprovals({
    store,
    signer: createSigner([TEST_SECRET]),
    clock,
    config: () => ({ ttl: 120_000, promptsPerMinute }),
    audit: { record: (e) => events.push(e), close: async () => {} },
  });
  return { clock, approvals, events };
}

const request = (over: Partial<ApprovalRequest> = {}): ApprovalRequest => ({
  flowId: 'flow-desktop',
  user: 'alice',
  limitKey: 'alice',
  identifier: 'alice',
  rule: 'apps',
  requirements: { factors: ['otp'], sessionLifetime: 3_600_000, maxSessionAge: undefined, trustedDevice: undefined },
  returnTo: '/',
  proven: [],
  trustDeviceMs: undefined,
  browser: 'Firefox on Linux',
  ip: '203.0.113.7',
  app: 'wiki',
  phrase: false,
  locale: undefined,
  ...over,
});

const alice: Approver = { user: 'alice', method: 'scan', ip: '198.51.100.2' };

async function started(approvals: ReturnType<typeof make>['approvals'], over: Partial<ApprovalRequest> = {}) {
  const result = await approvals.start(request(over));
  if (!result.ok) throw new Error('not started');
  return result.approval;
}

describe('approvals', () => {
  it('is approved by the person typing the desktop number, and collected once by the desktop flow', async () => {
    const { approvals } = make();
    const approval = await started(approvals);
    expect(approval.number).toMatch(/^\d\d$/);
    expect((await approvals.approve(approval.id, alice, approval.number)).kind).toBe('approved');
    expect(await approvals.collect('another-flow')).toBeUndefined();
    expect((await approvals.collect('flow-desktop'))?.id).toBe(approval.id);
    expect(await approvals.collect('flow-desktop')).toBeUndefined();
  });

  it('ends the attempt on a wrong number, so a relayed code is not approved by a second guess', async () => {
    const { approvals, events } = make();
    const approval = await started(approvals);
    const wrong = approval.number === '42' ? '43' : '42';
    expect((await approvals.approve(approval.id, alice, wrong)).kind).toBe('wrong-number');
    expect((await approvals.approve(approval.id, alice, approval.number)).kind).toBe('decided');
    expect((await approvals.forFlow('flow-desktop'))?.status).toBe('denied');
    expect(events.some((e) => e.event === 'approval_refused' && e.reason === 'wrong-number')).toBe(true);
  });

  it("refuses another person's approval and keeps the attempt alive", async () => {
    const { approvals } = make();
    const approval = await started(approvals);
    const bob = { ...alice, user: 'bob' };
    expect((await approvals.approve(approval.id, bob, approval.number)).kind).toBe('not-yours');
    expect((await approvals.forFlow('flow-desktop'))?.status).toBe('pending');
  });

  it('never approves an attempt for a name the gate does not know', async () => {
    const { approvals } = make();
    const approval = await started(approvals, { user: undefined, limitKey: 'unknown:mallory' });
    expect((await approvals.approve(approval.id, alice, approval.number)).kind).toBe('not-yours');
  });

  it('is denied once and then cannot be approved', async () => {
    const { approvals, events } = make();
    const approval = await started(approvals);
    expect((await approvals.deny(approval.id, alice)).kind).toBe('denied');
    expect((await approvals.approve(approval.id, alice, approval.number)).kind).toBe('decided');
    expect(await approvals.collect('flow-desktop')).toBeUndefined();
    expect(events.filter((e) => e.event === 'approval_denied')).toHaveLength(1);
  });

  it('expires after approvals.ttl', async () => {
    const { approvals, clock } = make();
    const approval = await started(approvals);
    clock.advance(120_000);
    expect((await approvals.forFlow('flow-desktop'))?.status).toBe('expired');
    expect((await approvals.approve(approval.id, alice, approval.number)).kind).toBe('expired');
  });

  it('is approved by its phrase, once, and by nothing else', async () => {
    const { approvals } = make();
    const approval = await started(approvals, { phrase: true });
    const phrase = approval.phraseText!;
    const viaWhatsApp = { ...alice, method: 'whatsapp_reply' };
    expect((await approvals.approveByPhrase('ABCD-EFGH-JKMN', viaWhatsApp)).kind).toBe('expired');
    expect((await approvals.approveByPhrase(phrase.toLowerCase(), viaWhatsApp)).kind).toBe('approved');
    expect((await approvals.approveByPhrase(phrase, viaWhatsApp)).kind).toBe('expired');
  });

  it('finds the phrase inside the prefilled message', () => {
    expect(phraseIn('Sign me in: ABCD-EF23-JKMN')).toBe('ABCD-EF23-JKMN');
    expect(phraseIn('hello there')).toBeUndefined();
  });

  it('refuses more prompts per person and minute than configured, whoever asks', async () => {
    const { approvals, clock } = make(2);
    await started(approvals, { flowId: 'a' });
    await started(approvals, { flowId: 'b' });
    const third = await approvals.start(request({ flowId: 'c' }));
    expect(third.ok ? undefined : third.refusal.reason).toBe('approval-limit');
    clock.advance(60_000);
    expect((await approvals.start(request({ flowId: 'd' }))).ok).toBe(true);
  });

  it("replaces a flow's earlier attempt, whose link then approves nothing", async () => {
    const { approvals } = make();
    const first = await started(approvals);
    const second = await started(approvals);
    expect((await approvals.approve(first.id, alice, first.number)).kind).toBe('expired');
    expect((await approvals.forFlow('flow-desktop'))?.id).toBe(second.id);
  });
});
