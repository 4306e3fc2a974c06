/**
 * Number formatting identical to Python's `'{:.Nf}'.format(x)`: correctly rounded, ties to even. JavaScript's
 * `toFixed` rounds exact ties up (0.125 → "0.13"), Python gives "0.12"; reports must match scikit-learn's text.
 */

/**
 * Formats like Python `f'{x:.{digits}f}'`.
 *
 * @example
 * pyFixed(0.125, 2) // '0.12'
 * pyFixed(0.375, 2) // '0.38'
 */
export function pyFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const exact = Math.abs(x).toFixed(100); // exact decimal expansion of the double for |x| ≥ 2^-47
  const dot = exact.indexOf('.');
  const rest = exact.slice(dot + 1 + digits);
  if (/^50*$/.test(rest)) {
    // An exact tie: round half to even.
    const kept = exact.slice(0, dot + 1 + digits).replace(/\.$/, '');
    const lastDigit = Number(kept[kept.length - 1]);
    const truncated = kept;
    if (lastDigit % 2 === 0) return (x < 0 ? '-' : '') + truncated;
  }
  return x.toFixed(digits);
}

/** Right-aligns `s` in a field of `width` (Python `{:>width}`). */
export function padLeft(s: string, width: number): string {
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}
