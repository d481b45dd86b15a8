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

/** `bytes` random bytes as lowercase hex (Web Crypto: Convex, Node and browsers). */
export function randomHex(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(buffer, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * SHA-256 of a high-entropy token (invite, API key) as hex. What is stored
 * instead of the token: a leaked table reveals no usable key. A plain hash
 * suffices because the tokens are 128+ random bits, not passwords.
 */
export async function sha256Hex(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}
