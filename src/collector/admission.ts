/**
 * Bounded memory across requests (issue #12): a budget for the requests in flight and for the bytes
 * they hold — body as received, body once decompressed, and the decoded message (estimated at
 * DECODED_BYTES_PER_VALUE a value from the limits.ts pre-pass). A request over the budget is
 * answered 503 + Retry-After (HTTP) or UNAVAILABLE (gRPC); OTLP exporters retry both.
 *
 * Two rules keep progress and fairness:
 *  - a request alone in flight is always admitted (up to the per-request body limits), so a budget
 *    smaller than one big request never starves it;
 *  - the biggest yields: a request that would take the budget over evicts the request holding the
 *    most (if that one holds more than it would), which is answered 503 at its next charge (its
 *    next decompressed chunk); only when there is none is the newcomer refused. So a flood of
 *    decompression bombs leaves room for well-behaved clients (Claude Code's requests are tens of
 *    KiB), and the budget is exceeded only for the milliseconds until an evicted request stops —
 *    by less than the evicted request holds, so never beyond 2 × maxInflightBytes.
 */

export interface InflightLimits {
  maxInflightBytes: number;
  maxInflightRequests: number;
}

export const DEFAULT_INFLIGHT: InflightLimits = {
  maxInflightBytes: 128 * 1024 * 1024,
  maxInflightRequests: 512,
};

/** What the decoded form of one value (a message, a KeyValue…) is charged, in bytes. */
export const DECODED_BYTES_PER_VALUE = 64;

/** Over the in-flight budget (→ HTTP 503 + Retry-After / gRPC UNAVAILABLE): retry later. */
export class Busy extends Error {
  override readonly name = 'Busy';
}

export interface Ticket {
  /** take `n` more bytes from the budget, or throw Busy */
  charge(n: number): void;
  /** give back everything this request held (idempotent) */
  release(): void;
}

interface Holder {
  held: number;
  evicted: boolean;
}

export class Admission {
  private bytes = 0;
  private readonly holders = new Set<Holder>();
  /** the largest number of bytes held at once (tests, bench) */
  peakBytes = 0;

  constructor(readonly limits: InflightLimits) {}

  /** A request arrives: a ticket, or Busy when too many are in flight. */
  enter(): Ticket {
    if (this.holders.size >= this.limits.maxInflightRequests) {
      throw new Busy(`${this.holders.size} requests in flight, the limit (raise it with --max-inflight-requests)`);
    }
    const me: Holder = { held: 0, evicted: false };
    this.holders.add(me);
    return {
      charge: (n) => {
        if (!this.holders.has(me)) return;
        if (me.evicted) throw this.busy('evicted for smaller requests');
        if (this.bytes + n > this.limits.maxInflightBytes && this.holders.size > 1) {
          let biggest: Holder | undefined;
          for (const h of this.holders) if (h !== me && !h.evicted && h.held > me.held + n && (!biggest || h.held > biggest.held)) biggest = h;
          if (!biggest) throw this.busy('over the budget');
          biggest.evicted = true;
        }
        me.held += n;
        this.bytes += n;
        if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
      },
      release: () => {
        if (!this.holders.delete(me)) return;
        this.bytes -= me.held;
      },
    };
  }

  private busy(why: string): Busy {
    const max = this.limits.maxInflightBytes;
    return new Busy(`${why}: ${Math.round(this.bytes / 2 ** 20)} MiB held by the requests in flight; the limit is ${Math.round(max / 2 ** 20)} MiB (raise it with --max-inflight-bytes)`);
  }

  get inflight(): { bytes: number; requests: number } {
    return { bytes: this.bytes, requests: this.holders.size };
  }
}
