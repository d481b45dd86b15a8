/**
 * Compares two secrets in time that depends only on their lengths, so a
 * caller cannot learn a secret byte by byte from response timing. Pure JS:
 * it runs in Convex's default runtime, where node:crypto is unavailable.
 */
export function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  const length = Math.max(x.length, y.length);
  for (let i = 0; i < length; i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
