/** How operators see a contact: their display name, else their @username. */
export function contactLabel(contact: { displayName?: string; username?: string } | null): string | undefined {
  return contact?.displayName ?? (contact?.username ? `@${contact.username}` : undefined);
}
