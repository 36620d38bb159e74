/**
 * A request body collected chunk by chunk into one contiguous buffer, with the decode caps checked
 * while it arrives (issue #12: no single request may hold the event loop for long).
 *
 * Why not `Buffer.concat(chunks)` at the end: joining 64 MiB of 64 KiB chunks is one copy of 64 MiB
 * on the event loop, into pages never touched before — measured at 150–200 ms under load
 * (bench/hostile.mjs, a CPU profile of the collector), the longest stall a request caused. Here each
 * chunk is copied into place as it comes (microseconds a chunk), into a buffer sized by the size
 * hint (Content-Length, gzip's ISIZE) when there is one, else doubled as it fills (a copy of half
 * the body at most, and only for bodies without a hint).
 *
 * Memory is charged as allocated: `reserve` is told of every byte of capacity before it is taken
 * (the admission ticket, which may throw Busy), so a body that declares 64 MiB and sends 1 KiB is
 * charged its 64 MiB, and nothing is allocated before the first chunk.
 *
 * And the caps are checked before the body is whole: `check` sees every new chunk and the bytes so
 * far, so a decompression bomb is refused after its first 64 KiB (limits.ts, prefix mode), not after
 * 64 MiB of output.
 */

/** Told of every chunk as it lands; throws (OverLimit, BadPayload) to refuse the request. */
export type BodyCheck = (chunk: Uint8Array, soFar: Uint8Array) => void;

const MIN_CAPACITY = 64 * 1024;
const EMPTY = Buffer.alloc(0);

export class BodyBuffer {
  private buf: Buffer = EMPTY;
  private length = 0;

  /**
   * `hint`: the size the body says it has. Only a hint: one over `limit` is ignored (the body is
   * lying, or will be refused when it gets there), a body longer than its hint grows the buffer,
   * a shorter one is returned as the bytes it has.
   */
  constructor(
    private readonly hint: number | undefined,
    private readonly limit: number,
    private readonly reserve: (bytes: number) => void,
    private readonly check?: BodyCheck,
  ) {}

  get size(): number {
    return this.length;
  }

  /** Copy `chunk` in, then run the check. Throws what `reserve` or `check` throws. */
  push(chunk: Uint8Array): void {
    const need = this.length + chunk.length;
    if (need > this.buf.length) this.grow(need);
    this.buf.set(chunk, this.length);
    this.length = need;
    this.check?.(chunk, this.buf.subarray(0, this.length));
  }

  private grow(need: number): void {
    const hint = this.hint;
    const first = this.buf.length === 0 && hint !== undefined && Number.isFinite(hint) && hint >= need && hint <= this.limit;
    const size = first ? hint : Math.min(Math.max(need, MIN_CAPACITY, this.buf.length * 2), Math.max(need, this.limit));
    this.reserve(size - this.buf.length);
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }

  /** The body: a view of the bytes received (no copy). */
  finish(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** deflate's largest ratio (RFC 1951: a 258-byte match in ~2 bits): no gzip body expands more. */
const MAX_DEFLATE_RATIO = 1032;

/**
 * The uncompressed size a gzip body declares in its trailer (ISIZE, RFC 1952 §2.3.1: the last four
 * bytes, little-endian, modulo 2^32), or undefined when the body is too short to have one or
 * declares more than deflate can make of it. Only a hint: a multi-member body declares its last
 * member's size, and a hostile one anything deflate allows.
 */
export function gzipSizeHint(body: Uint8Array): number | undefined {
  if (body.length < 18 || body[0] !== 0x1f || body[1] !== 0x8b) return undefined;
  const n = body.length;
  const size = (body[n - 4]! | (body[n - 3]! << 8) | (body[n - 2]! << 16)) + body[n - 1]! * 2 ** 24;
  return size <= body.length * MAX_DEFLATE_RATIO ? size : undefined;
}

/**
 * Calls `run(soFar)` when the bytes so far reach `first`, then at each doubling: over a whole body
 * the runs add up to at most twice its length plus a chunk a run (chunks are ≤ 64 KiB here).
 */
export function atDoublings(run: (soFar: Uint8Array) => void, first = 64 * 1024): BodyCheck {
  let next = first;
  return (_chunk, soFar) => {
    if (soFar.length < next) return;
    while (next <= soFar.length) next *= 2;
    run(soFar);
  };
}
