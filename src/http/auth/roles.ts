/**
 * Roles, each including the one before: a reader reads, a recorder also records exchanges,
 * an admin also registers parties and manages keys. The master key can do everything.
 */
export const ROLES = ['reader', 'recorder', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a route needs: `public` needs no key at all (health, docs, the OpenAPI document). */
export type Requirement = Role | 'public';

export function roleAllows(held: Role | 'master', needed: Requirement): boolean {
  if (needed === 'public' || held === 'master') return true;
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
