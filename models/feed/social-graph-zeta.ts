/** B_2j / (2j)! for j = 1..5: the Euler–Maclaurin corrections. */
const BERNOULLI_OVER_FACTORIAL = [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160];

/**
 * The Hurwitz zeta ζ(s, q) = Σ_{k≥0} (q + k)^−s for s > 1, q > 0: the
 * normalizer of a discrete power law on k ≥ q (the generator draws follower
 * counts from one, reports/feed/power-law-fit.ts fits one). By
 * Euler–Maclaurin: the first terms summed until q + N ≥ 10, then the tail as
 * its integral, half its first term and five Bernoulli corrections (relative
 * error below 1e−12 there).
 */
export function hurwitzZeta(s: number, q: number): number {
  let sum = 0;
  let x = q;
  while (x < 10) {
    sum += Math.pow(x, -s);
    x++;
  }
  const xPow = Math.pow(x, -s);
  sum += (x * xPow) / (s - 1) + xPow / 2;
  // Term j: B_2j/(2j)! · s(s+1)…(s+2j−2) · x^(−s−2j+1).
  let rising = s;
  let power = xPow / x;
  for (let j = 0; j < BERNOULLI_OVER_FACTORIAL.length; j++) {
    sum += BERNOULLI_OVER_FACTORIAL[j] * rising * power;
    rising *= (s + 2 * j + 1) * (s + 2 * j + 2);
    power /= x * x;
  }
  return sum;
}
