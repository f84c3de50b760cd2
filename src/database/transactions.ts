import type { EntityManager } from 'typeorm';

/**
 * What a use case needs of the DataSource: its steps in one transaction. The DataSource is one;
 * a unit spec's fake runs the steps on a stand-in manager.
 */
export interface Transactions {
  transaction<T>(run: (manager: EntityManager) => Promise<T>): Promise<T>;
}
