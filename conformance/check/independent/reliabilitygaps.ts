// SPEC GAPS of section 14: points where a RelScenario vector expects one specific value or order
// that spec/14-reliability.md (with 4.7 and 20.3) does not determine. The simulator (reliabilitysim.ts)
// computes the value it believes most natural, and raises the gap when a test reaches that point;
// the evaluator then fails the test with the gap's message, so the checker passes only once the spec
// says it. Each gap names the text the spec would need (see the report in conformance/README.md).
// All nine found so far are closed: spec 14 now states them ([SW-14.3-6], [SW-14.3-7], [SW-14.5-5],
// [SW-14.5-6], [SW-14.5-7], [SW-14.7-5], [SW-14.8-4], [SW-14.11-1]) and the simulator no longer
// raises them. The mechanism stays for the next one.
// The five found with [SW-14.4-5], [SW-14.4-6], [SW-14.5-9] and [SW-14.5-10] are closed too: [SW-14.4-8]
// (whole ms), [SW-14.5-10] (same-ms episode), [SW-14.4-6] (T moves only on a transmission), [SW-14.5-9]
// (base RTT rule, 1/2 with no sample) and [SW-14.4-5] (no time threshold before the first sample).
export const GAPS = {
  ACK_ORDER: 'an ACK that both acknowledges fragments and triggers fast retransmit: the spec does not say whether cwnd first grows by the acknowledged bytes and is then halved, or is halved first (and then, by [SW-14.5-3], not grown by acks of transmissions sent before the reduction)',
  FORWARD_FIRST: 'the first stand-alone FORWARD after a give-up: [SW-14.7-2] says "RTO after the last" but not when the first one goes when there is no last (at once, or RTO after the give-up)',
  FORWARD_ACK_TIMING: 'the ACK owed for a FORWARD ([SW-14.3-5] "owes an ACK in any case"): the spec gives no timing (at once, or within ACK_DELAY / MAX_ACK_DELAY like an in-order MSG)',
  PACING_ROUNDING: 'pacing delay B / (PACING_GAIN × cwnd / SRTT) is fractional: the spec does not say whether the send time is rounded (up to whole ms, or not at all)',
  ERROR_CODES: 'the spec names the SDK error classes (MessageTooLargeError, OutboxFullError, DeadlineExceededError) but no portable error codes; the vectors expect "ERR_MESSAGE_TOO_LARGE", "ERR_OUTBOX_FULL", "ERR_DEADLINE_EXCEEDED"',
  INITIAL_SSTHRESH: 'the initial ssthresh is not stated in 14.5 (RFC 5681 says "arbitrarily high"); the vectors grow cwnd in slow start past INITIAL_CWND, which needs ssthresh > INITIAL_CWND',
  DELAY_DUPLICATE: 'DELAY "since the highest received id arrived" when that id arrived again as a duplicate: the spec does not say whether the first arrival or the latest counts',
  ACK_DELAY_EXACT: 'an in-order first MSG "MAY wait up to ACK_DELAY": the vectors expect no ACK before ACK_DELAY and an ACK at exactly ACK_DELAY; the spec allows any time from 0 to ACK_DELAY',
  DEADLINE_BOUNDARY: '[SW-14.8-2] "when the deadline passes": the spec does not say whether a message whose deadline equals the current time has failed (the vectors give up at t = deadline)',
} as const;
export type GapId = keyof typeof GAPS;
