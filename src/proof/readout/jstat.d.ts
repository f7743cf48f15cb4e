// TODO(#4): drop for upstream types if jstat ever ships them; this declares only what we call.
/** The part of jstat 1.9's API the readout uses: distributions and special functions. */
declare module "jstat" {
  interface JStat {
    /** Regularised incomplete beta function I_x(a, b). */
    ibeta(x: number, a: number, b: number): number;
    /** Complementary error function. */
    erfc(x: number): number;
    /** Regularised lower incomplete gamma function P(a, x). */
    lowRegGamma(a: number, x: number): number;
    readonly normal: { inv(p: number, mean: number, sd: number): number };
    readonly studentt: { inv(p: number, dof: number): number };
  }
  const jStat: JStat;
  export default jStat;
}
