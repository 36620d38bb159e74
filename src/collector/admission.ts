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
 *    most (if that one holds more than it would) among those still reading or decompressing their
 *    body. Eviction is immediate: the evicted request's abort drops what it holds (its chunks, its
 *    zlib stream) and it is answered 503, so its bytes come back at once, even from a client that
 *    stopped sending. Only when there is no such request is the newcomer refused. So a flood of
 *    decompression bombs leaves room for well-behaved clients (Claude Code's requests are tens of
 *    KiB), and the budget is never exceeded by more than one charge.
 * A request past its body (decoding, storing) has no abort: it finishes, and is never evicted.
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
  /**
   * While set, the request may be evicted: `abort` is then called (synchronously, once) with the
   * Busy to answer, and must drop everything the request holds. Unset (undefined) once the request
   * moves past the stage that can stop.
   */
  abortWith(abort: ((e: Busy) => void) | undefined): void;
  /** give back everything this request held (idempotent) */
  release(): void;
}

interface Holder {
  held: number;
  evicted: boolean;
  abort: ((e: Busy) => void) | undefined;
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
    const me: Holder = { held: 0, evicted: false, abort: undefined };
    this.holders.add(me);
    return {
      charge: (n) => {
        if (me.evicted) throw this.busy('evicted for smaller requests');
        if (!this.holders.has(me)) return; // released
        if (this.bytes + n > this.limits.maxInflightBytes && this.holders.size > 1) {
          let biggest: Holder | undefined;
          for (const h of this.holders) if (h !== me && h.abort && !h.evicted && h.held > me.held + n && (!biggest || h.held > biggest.held)) biggest = h;
          if (!biggest) throw this.busy('over the budget');
          this.evict(biggest);
        }
        me.held += n;
        this.bytes += n;
        if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
      },
      abortWith: (abort) => {
        me.abort = abort;
      },
      release: () => {
        if (!this.holders.delete(me)) return;
        this.bytes -= me.held;
        me.held = 0;
      },
    };
  }

  /** Stop `h` now: its abort drops what it holds, so its bytes are back in the budget at once. */
  private evict(h: Holder): void {
    const e = this.busy('evicted for smaller requests');
    const abort = h.abort;
    h.evicted = true;
    h.abort = undefined;
    this.holders.delete(h);
    this.bytes -= h.held;
    h.held = 0;
    this.evictions++;
    abort?.(e);
  }

  /** requests evicted so far (tests, bench) */
  evictions = 0;

  private busy(why: string): Busy {
    const max = this.limits.maxInflightBytes;
    return new Busy(`${why}: ${Math.round(this.bytes / 2 ** 20)} MiB held by the requests in flight; the limit is ${Math.round(max / 2 ** 20)} MiB (raise it with --max-inflight-bytes)`);
  }

  get inflight(): { bytes: number; requests: number } {
    return { bytes: this.bytes, requests: this.holders.size };
  }
}
