/**
 * The launcher's starters as the harness offers them: whatever a test starts dies with the
 * test process, however that ends (see exit-watchdog.ts).
 */
import * as launcher from '@spool/launcher';
import { armExitWatchdog } from './exit-watchdog.ts';

export function startRedisServer(
  options?: launcher.RedisServerOptions,
): Promise<launcher.RedisServer> {
  armExitWatchdog();
  return launcher.startRedisServer(options);
}

export function startRedisCluster(
  options?: launcher.RedisClusterOptions,
): Promise<launcher.RedisCluster> {
  armExitWatchdog();
  return launcher.startRedisCluster(options);
}

export function startService(
  options: launcher.StartServiceOptions,
): Promise<launcher.ServiceProcess> {
  armExitWatchdog();
  return launcher.startService(options);
}
