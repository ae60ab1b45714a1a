import { NotFound } from '@keelson/domain-kit';
import { SubjectToken } from '@keelson/events';

/**
 * Looks a thing up by id, then by name: operators type names, scripts pass ids, and a name can look
 * like an id (`cam-01`). The NotFound of the name lookup is the answer when neither matches.
 */
export async function findByIdOrName<T>(
  idOrName: string,
  byId: (id: string) => Promise<T>,
  byName: (name: string) => Promise<T>,
): Promise<T> {
  if (SubjectToken.safeParse(idOrName).success) {
    try {
      return await byId(idOrName);
    } catch (err) {
      if (!(err instanceof NotFound)) throw err;
    }
  }
  return byName(idOrName);
}
