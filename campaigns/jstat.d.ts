/** The part of jstat (which ships no types) that campaigns use. */
declare module 'jstat' {
  export const jStat: {
    studentt: {
      /** The quantile: the t with P(T ≤ t) = p for `dof` degrees of freedom. */
      inv(p: number, dof: number): number;
    };
  };
}
