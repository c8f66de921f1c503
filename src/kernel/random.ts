import { randomBytes, randomUUID } from 'node:crypto';

/** Randomness is injected so tests can make it repeatable. */
export interface Random {
  bytes(n: number): Buffer;
  uuid(): string;
}

export const systemRandom: Random = {
  bytes: (n) => randomBytes(n),
  uuid: () => randomUUID(),
};
