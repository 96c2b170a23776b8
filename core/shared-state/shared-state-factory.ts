import type { Config } from '../config.js';
import type { DatabaseClient } from '../db/prisma-client-factory.js';
import type { Clock, Logger } from '../ports.js';
import { databaseSharedState } from './database-shared-state.js';
import { memorySharedState } from './memory-shared-state.js';
import type { SharedState } from './shared-state.js';

/**
 * Opens the shared state the configuration chose (SHARED_STATE, REDIS_URL; see config.ts). The Redis
 * client is only loaded when Redis is chosen.
 */
export async function openSharedState(
  settings: Config['sharedState'],
  deps: { db: DatabaseClient; clock: Clock; logger: Logger },
): Promise<SharedState> {
  switch (settings.driver) {
    case 'redis': {
      const { redisSharedState } = await import('./redis-shared-state.js');
      return redisSharedState({
        url: settings.redisUrl!,
        keyPrefix: settings.redisKeyPrefix,
        clock: deps.clock,
        logger: deps.logger,
      });
    }
    case 'database':
      return databaseSharedState(deps.db, deps.clock);
    default:
      return memorySharedState(deps.clock);
  }
}
