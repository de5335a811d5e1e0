import type { z } from 'zod';
import { isWorldTime, lowerBoundOf, upperBoundOf } from '../../domain/time.js';

/**
 * A `from` later than `to` selects nothing, which is never what was meant (the two were
 * swapped, or a year mistyped): refused naming both. Compared as the filters apply them, so
 * `from=2025-05-23&to=2025-05-23` is the whole day, not an empty period.
 */
export function fromNotAfterTo(
  query: { from?: string | undefined; to?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  const { from, to } = query;
  if (from === undefined || to === undefined || !isWorldTime(from) || !isWorldTime(to)) return;
  if (lowerBoundOf(from) <= upperBoundOf(to)) return;
  ctx.addIssue({ code: 'custom', path: ['from'], message: `must not be later than to (${to})` });
  ctx.addIssue({ code: 'custom', path: ['to'], message: `must not be earlier than from (${from})` });
}
