/** How operators see a contact: their display name, else their @username. */
export function contactLabel(contact: { displayName?: string; username?: string } | null): string | undefined {
  return contact?.displayName ?? (contact?.username ? `@${contact.username}` : undefined);
}

/** What the contacts search index holds: name and username, so either finds the contact. */
export function contactSearchName(contact: { displayName?: string; username?: string }): string {
  return [contact.displayName, contact.username].filter((part) => part !== undefined && part !== "").join(" ");
}
