/**
 * Congestion control of one peer (spec 14.5): a window in bytes with slow start and additive
 * increase, a multiplicative decrease on loss (at most once per round trip), a collapse on a
 * retransmission timeout, and pacing (a send-time budget). Pure: times are passed in.
 * @module
 */
import { BDP_GAIN, CLOCK_GRANULARITY_MS, CONGESTION_BETA, RATE_SAMPLES, INITIAL_CWND_DATAGRAMS, MIN_CWND_DATAGRAMS, MIN_RTT_WINDOW_MS, PACING_GAIN, RANDOM_LOSS_BACKLOG, RANDOM_LOSS_BETA } from './constants.js';

export interface CongestionConfig {
  /** Bytes of one full datagram (the datagram budget): the unit of the window. */
  readonly mss: number;
  readonly initialDatagrams: number;
  readonly minDatagrams: number;
  readonly pacingGain: number;
}

export function congestionConfig(mss: number): CongestionConfig {
  return { mss, initialDatagrams: INITIAL_CWND_DATAGRAMS, minDatagrams: MIN_CWND_DATAGRAMS, pacingGain: PACING_GAIN };
}

/** Pacing is enforced per quantum: up to one quantum's worth of bytes may leave at once ([SW-14.5-8]). */
export const PACING_QUANTUM_MS = 1;

export class Congestion {
  cwnd: number;
  ssthresh = Infinity;
  /** Bytes sent and neither acknowledged nor declared lost. */
  inflight = 0;
  /** Transmissions sent at or before this time belong to the current loss episode ([SW-14.5-10]). */
  private recoveryStart = -1;
  /** Earliest time of the next transmission allowed by pacing (fractional ms). */
  private nextSendAt = 0;
  /** Base RTT: the smallest RTT sample of the last MIN_RTT_WINDOW_MS, and when it was taken [SW-14.5-9]. */
  minRtt = Infinity;
  private minRttAt = -Infinity;
  /** Delivery rate ([SW-14.5-11]): bytes acknowledged since `rateMark`, and the last samples (bytes over ms). */
  private delivered = 0;
  private rateMark = -1;
  private readonly rates: Array<{ readonly bytes: number; readonly ms: number }> = [];

  constructor(readonly config: CongestionConfig) {
    this.cwnd = config.mss * config.initialDatagrams;
  }

  get minCwnd(): number {
    return this.config.mss * this.config.minDatagrams;
  }

  /** Whether `bytes` more may be in flight: within cwnd, or nothing in flight at all. */
  canSend(bytes: number): boolean {
    return this.inflight === 0 || this.inflight + bytes <= this.cwnd;
  }

  onSent(bytes: number): void {
    this.inflight += bytes;
  }

  /**
   * Pacing [SW-14.5-8]: after a datagram carrying `bytes` of reliable frames, the next may leave
   * bytes / (PACING_GAIN * cwnd / SRTT) later. No pacing before the first RTT sample.
   */
  pace(bytes: number, now: number, srtt: number | undefined): void {
    if (srtt === undefined || !(srtt > 0) || bytes <= 0) return;
    const rate = (this.config.pacingGain * this.cwnd) / srtt; // bytes per ms
    this.nextSendAt = Math.max(this.nextSendAt, now) + bytes / rate;
  }

  /** Earliest time pacing allows the next transmission (an integer ms, never before now). */
  sendTime(now: number): number {
    return Math.max(now, Math.ceil(this.nextSendAt - 1e-9) - PACING_QUANTUM_MS);
  }

  /** Bytes of a transmission left the network: acknowledged (`acked`) or abandoned/declared lost. */
  onRemoved(bytes: number): void {
    this.inflight = Math.max(0, this.inflight - bytes);
  }

  /**
   * Newly acknowledged bytes [SW-14.5-2]: slow start below ssthresh, else about one datagram per
   * window, mss x bytes / cwnd in whole bytes with the remainder carried (`caCredit`) [SW-14.4-10]:
   * rounded down on each ACK instead, a window above mss x frame (132 KB for 110-byte frames at a
   * 1200-byte budget) would never grow again after a reduction.
   */
  onAcked(bytes: number, sentAt: number): void {
    if (sentAt <= this.recoveryStart) return; // sent before the last reduction: no growth from it
    if (this.cwnd < this.ssthresh) return void (this.cwnd += Math.min(bytes, this.config.mss));
    this.caCredit += this.config.mss * bytes;
    const grow = Math.floor(this.caCredit / this.cwnd);
    this.caCredit -= grow * this.cwnd;
    this.cwnd += grow;
  }

  /** Bytes x mss of additive increase not yet turned into window (below one cwnd). */
  private caCredit = 0;

  /**
   * Bytes newly acknowledged by one ACK at `now`: one delivery-rate sample per round trip (at least
   * a clock tick); the largest of the last RATE_SAMPLES is the path's delivery rate [SW-14.5-11].
   */
  onDelivered(bytes: number, now: number, srtt: number | undefined): void {
    if (this.rateMark < 0) return void (this.rateMark = now); // these bytes left before the mark
    this.delivered += bytes;
    const interval = now - this.rateMark;
    if (interval < Math.max(srtt ?? 0, CLOCK_GRANULARITY_MS)) return;
    this.rates.push({ bytes: this.delivered, ms: interval });
    if (this.rates.length > RATE_SAMPLES) this.rates.shift();
    this.delivered = 0;
    this.rateMark = now;
  }

  /**
   * Bandwidth-delay product: the largest recent delivery rate times the base RTT, whole bytes
   * rounded down (floor(bytes x base RTT / interval) of the best sample) [SW-14.4-10]; 0 before
   * both are known.
   */
  get bdp(): number {
    if (this.rates.length === 0 || this.minRtt === Infinity) return 0;
    let best = 0;
    for (const r of this.rates) best = Math.max(best, Math.floor((r.bytes * this.minRtt) / r.ms));
    return best;
  }

  /** An RTT sample (after the ACK delay was taken off): keeps the base RTT [SW-14.5-9]. */
  onRttSample(r: number, now: number): void {
    if (r <= this.minRtt || now - this.minRttAt > MIN_RTT_WINDOW_MS) {
      this.minRtt = r;
      this.minRttAt = now;
    }
  }

  /**
   * A loss found by acknowledgements (fast retransmit or time threshold), once per episode
   * ([SW-14.5-10]); keeps CONGESTION_BETA of the window, or RANDOM_LOSS_BETA when the queue the window builds
   * (cwnd x (SRTT - base RTT) / SRTT, in datagrams) is under RANDOM_LOSS_BACKLOG [SW-14.5-9]: a
   * datagram lost with no queue behind it was lost to the radio, not to congestion (TCP Veno).
   */
  onLoss(sentAt: number, now: number, srtt?: number): boolean {
    if (sentAt <= this.recoveryStart) return false;
    // queueing delay within one clock tick is not evidence of a queue: ms clocks make sub-ms RTTs jump 1 <-> 2
    // backlog = (cwnd / mss) x queueing / SRTT < RANDOM_LOSS_BACKLOG, multiplied out: whole numbers [SW-14.4-10]
    const random = srtt !== undefined && srtt > 0 && this.minRtt !== Infinity && this.cwnd * Math.max(0, srtt - this.minRtt - CLOCK_GRANULARITY_MS) < RANDOM_LOSS_BACKLOG * this.config.mss * srtt;
    // a loss with no queue keeps at least twice the BDP: what the path delivers stays in flight [SW-14.5-11]
    const floor = random ? Math.max(this.minCwnd, BDP_GAIN * this.bdp) : this.minCwnd;
    const beta = Math.round((random ? RANDOM_LOSS_BETA : CONGESTION_BETA) * 100); // in hundredths: cwnd stays whole bytes
    this.ssthresh = Math.max(Math.floor((this.cwnd * beta) / 100), floor);
    this.cwnd = this.ssthresh;
    this.recoveryStart = now;
    return true;
  }

  /** A retransmission timeout: ssthresh halves and the window collapses to its floor [SW-14.5-10]. */
  onTimeout(sentAt: number, now: number): boolean {
    if (sentAt <= this.recoveryStart) return false;
    this.ssthresh = Math.max(Math.floor(this.cwnd / 2), this.minCwnd);
    this.cwnd = this.minCwnd;
    this.recoveryStart = now;
    return true;
  }
}
