// One prefix for everything the runtime prints, so its lines stand out from
// Next.js output when `npm start` runs both in one terminal.
const PREFIX = "[convex]";

export const log = {
  info: (message: string) => console.log(`${PREFIX} ${message}`),
  warn: (message: string) => console.warn(`${PREFIX} ${message}`),
  error: (message: string) => console.error(`${PREFIX} ${message}`),
};
