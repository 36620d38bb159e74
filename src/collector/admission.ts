/**
 * Bounded memory across requests (issue #12): a budget for the requests in flight and for the bytes
 * they hold — body as received, body once decompressed, and the decoded message (estimated at
 * DECODED_BYTES_PER_VALUE a value from the limits.ts pre-pass). A request over the budget is
 * answered 503 + Retry-After (HTTP) or UNAVAILABLE (gRPC); OTLP exporters retry both.
 *
 * Two rules keep progress and fairness:
 *  - a request alone in flight is always admitted (up to the per-request body limits), so a budget
 *    smaller than one big request never starves it;
 *  - a request holding more than SMALL_REQUEST_BYTES may only use the budget up to 3/4: the last
 *    quarter is kept for small requests (Claude Code's are tens of KiB), so a flood of
 *    decompression bombs does not turn well-behaved clients away.
 * So the bytes in flight never exceed max(maxInflightBytes, one request's worst case).
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
const SMALL_REQUEST_BYTES = 1024 * 1024;

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

export class Admission {
  private bytes = 0;
  private requests = 0;
  /** the largest number of bytes held at once (tests, bench) */
  peakBytes = 0;

  constructor(readonly limits: InflightLimits) {}

  /** A request arrives: a ticket, or Busy when too many are in flight. */
  enter(): Ticket {
    if (this.requests >= this.limits.maxInflightRequests) {
      throw new Busy(`${this.requests} requests in flight, the limit (raise it with --max-inflight-requests)`);
    }
    this.requests++;
    let held = 0;
    let open = true;
    return {
      charge: (n) => {
        if (!open) return;
        const max = this.limits.maxInflightBytes;
        const after = this.bytes + n;
        const alone = held === this.bytes && this.requests === 1;
        const cap = held + n <= SMALL_REQUEST_BYTES ? max : max - (max >> 2);
        if (after > cap && !alone) {
          throw new Busy(`${Math.round(this.bytes / 2 ** 20)} MiB held by the requests in flight; the limit is ${Math.round(max / 2 ** 20)} MiB (raise it with --max-inflight-bytes)`);
        }
        held += n;
        this.bytes = after;
        if (after > this.peakBytes) this.peakBytes = after;
      },
      release: () => {
        if (!open) return;
        open = false;
        this.bytes -= held;
        this.requests--;
      },
    };
  }

  get inflight(): { bytes: number; requests: number } {
    return { bytes: this.bytes, requests: this.requests };
  }
}
