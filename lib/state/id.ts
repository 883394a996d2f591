/** Container ids: what runc accepts, so that engines' ids work unchanged. */
import { InvalidIdError } from '../errors';

const VALID_ID = /^[\w+\-.]+$/;

export function validateId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw new InvalidIdError(String(id ?? ''), 'it must not be empty');
  if (id === '.' || id === '..' || !VALID_ID.test(id)) {
    throw new InvalidIdError(id, 'only letters, digits, "_", "+", "-" and "." are allowed (no "/", not "." or "..")');
  }
  if (id.length > 1024) throw new InvalidIdError(id, 'it is longer than 1024 characters');
  return id;
}
