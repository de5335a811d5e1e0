import { z } from 'zod';
import { PartyIdSchema, WorldTimeSchema, requiredText, textField } from './common.js';

/** Observers share the parties' id space and rule; `each` is kept for the readings (according=each). */
export const ObserverIdSchema = PartyIdSchema.meta({ example: 'ICRC' });

export const ObserverView = z.object({ id: ObserverIdSchema, name: z.string(), registeredAt: WorldTimeSchema }).meta({
  id: 'Observer',
  description:
    'A reporter that is no side of any exchange (the ICRC, a UN mission, the press): it gives accounts of stages and terms, and claims, as parties do.',
  examples: [{ id: 'ICRC', name: 'International Committee of the Red Cross', registeredAt: '2025-05-16' }],
});

export const RegisterObserverBody = z
  .strictObject({
    id: ObserverIdSchema,
    name: requiredText(200),
    occurredAt: WorldTimeSchema.optional().meta({ description: 'Defaults to the time of recording.' }),
    note: textField(5000).optional(),
  })
  .meta({
    id: 'RegisterObserver',
    examples: [{ id: 'ICRC', name: 'International Committee of the Red Cross' }],
  });

export const ObserverParams = z.strictObject({ id: ObserverIdSchema });
