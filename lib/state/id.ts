/**
 * Container ids: what runc accepts, so that engines' ids work unchanged, and
 * at most NAME_MAX (255) characters: the id names the state directory, and a
 * longer one could be neither created nor deleted.
 */
import { InvalidIdError } from '../errors';

const VALID_ID = /^[\w+\-.]+$/;
/** NAME_MAX: the longest file name (the state directory's) Linux allows. */
export const MAX_ID_LENGTH = 255;

export function validateId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new InvalidIdError(String(id ?? ''), 'it must not be empty');
  if (id === '.' || id === '..' || !VALID_ID.test(id)) {
    throw new InvalidIdError(id, 'only letters, digits, "_", "+", "-" and "." are allowed (no "/", not "." or "..")');
  }
  if (id.length > MAX_ID_LENGTH) throw new InvalidIdError(id, `it is longer than ${MAX_ID_LENGTH} characters`);
  return id;
}
