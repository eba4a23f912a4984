import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApprovalAnswer } from './approvalAnswer.js';

describe('parseApprovalAnswer', () => {
  it('takes booleans, { approved: boolean, … } and undefined', () => {
    expect(parseApprovalAnswer(true)).toEqual({ ok: true, answer: { approved: true } });
    expect(parseApprovalAnswer(false)).toEqual({ ok: true, answer: { approved: false } });
    expect(parseApprovalAnswer(undefined)).toEqual({ ok: true, answer: undefined });
    expect(parseApprovalAnswer({ approved: false, reason: 'No.', sticky: true })).toEqual({ ok: true, answer: { approved: false, reason: 'No.', sticky: true } });
  });

  it.each([
    [{ approved: 'false' }, 'its "approved" is the string "false", not a boolean'],
    [{ approved: 1 }, 'its "approved" is number 1, not a boolean'],
    [{}, 'its "approved" is missing, not a boolean'],
    [{ approved: true, reason: 42 }, 'its "reason" is number 42, not a string'],
    [{ approved: true, sticky: 'yes' }, 'its "sticky" is the string "yes", not a boolean'],
    ['yes', 'it returned the string "yes", not a boolean or { approved: boolean }'],
    [null, 'it returned null, not a boolean or { approved: boolean }'],
    [[true], 'it returned an array, not a boolean or { approved: boolean }'],
    [1, 'it returned number 1, not a boolean or { approved: boolean }'],
  ])('refuses %j', (value, why) => {
    expect(parseApprovalAnswer(value)).toEqual({ ok: false, why });
  });

  it('approves only when "approved" is exactly true (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const parsed = parseApprovalAnswer(value);
        const approved = parsed.ok && parsed.answer?.approved === true;
        expect(approved).toBe(value === true || (typeof value === 'object' && value !== null && !Array.isArray(value) && (value as { approved?: unknown }).approved === true && parsed.ok));
      }),
    );
  });
});
