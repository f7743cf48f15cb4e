// TODO(#3): drop for @types/autocannon if the bench ever needs more of autocannon than this.
/** The part of autocannon's programmatic API the HTTP benchmark uses (autocannon 8). */
declare module "autocannon" {
  export interface Options {
    readonly url: string;
    readonly method?: "GET" | "POST";
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    /** Requests each connection sends in turn, instead of the one above. */
    readonly requests?: readonly { readonly method?: "GET" | "POST"; readonly body?: string }[];
    readonly connections?: number;
    readonly duration?: number;
    readonly overallRate?: number;
    readonly ignoreCoordinatedOmission?: boolean;
    readonly workers?: number;
  }

  /** An hdr-histogram-percentiles-obj summary. */
  export interface Histogram {
    readonly average: number;
    readonly mean: number;
    readonly stddev: number;
    readonly min: number;
    readonly max: number;
    readonly total: number;
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly p99_9: number;
  }

  export interface Result {
    readonly requests: Histogram;
    /** Milliseconds. */
    readonly latency: Histogram;
    /** Seconds. */
    readonly duration: number;
    readonly errors: number;
    readonly timeouts: number;
    readonly non2xx: number;
  }

  function autocannon(options: Options): Promise<Result>;
  export default autocannon;
}
