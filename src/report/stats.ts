/**
 * The distributions compare's verdicts are decided with: Student's t (latency rows: a change over
 * its standard error, with the degrees of freedom the blocks or runs give), the binomial tail
 * (counter rows: the exact conditional test of two rates over their exposures), and Holm's
 * step-down control over the family of gated rows. Pure numerics, no dependencies.
 */

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = c[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 10_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b), a, b > 0, 0 ≤ x ≤ 1. */
export function incompleteBeta(a: number, b: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The continued fraction converges fast on this side of the mean; use the symmetry on the other.
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` > 0 degrees of freedom; df = ∞ is the normal distribution. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t)) return NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  if (!Number.isFinite(df)) return normalCdf(t);
  const tail = 0.5 * incompleteBeta(df / 2, 0.5, df / (df + t * t));
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t with `df` degrees of freedom (bisection on the CDF; 0 < p < 1). */
export function studentTQuantile(p: number, df: number): number {
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** P(Z ≤ z) of the standard normal (erfc by its continued-fraction-free Chebyshev fit, ~1e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * x);
  const erfc =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return z >= 0 ? 1 - erfc / 2 : erfc / 2;
}

/** P(X ≥ k) for X ~ Binomial(n, p), exactly (the incomplete beta identity). */
export function binomialUpperTail(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  return incompleteBeta(k, n - k + 1, p);
}

/**
 * One-sided p-value that the rate of events `a` over exposure `ea` exceeds `ratio` × the rate of
 * `b` over `eb`: the exact conditional test of two Poisson rates. Given a + b events, a is
 * Binomial(a + b, ratio·ea / (ratio·ea + eb)) when the after rate is exactly `ratio` times the
 * before rate, so P(X ≥ a) is the p-value. For binomial counts (lost of expected) it is
 * conservative: their variance is below the Poisson's.
 */
export function rateRatioPValue(a: number, ea: number, b: number, eb: number, ratio: number): number {
  if (a === 0) return 1;
  if (eb <= 0) return ea > 0 ? 0 : 1;
  if (ea <= 0) return 1;
  const p = (ratio * ea) / (ratio * ea + eb);
  return binomialUpperTail(a, a + b, p);
}

/**
 * Holm's step-down procedure at family-wise level `alpha`: the p-values sorted, the k-th smallest
 * (from 0) rejected while it is ≤ alpha / (m − k). Returns, per input, whether it is rejected,
 * and the adjusted p-value (the smallest family level at which it would be).
 */
export function holm(pValues: readonly number[], alpha: number): { rejected: boolean[]; adjusted: number[] } {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const rejected = new Array<boolean>(m).fill(false);
  const adjusted = new Array<number>(m).fill(1);
  let running = 0;
  let stopped = false;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (m - k) * p));
    adjusted[i] = running;
    if (!stopped && p <= alpha / (m - k)) rejected[i] = true;
    else stopped = true;
  });
  return { rejected, adjusted };
}
