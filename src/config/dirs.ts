/**
 * Where cc-otel keeps its files. XDG on Linux (and on macOS when XDG_* is set), with the
 * platform conventions otherwise. Pure: everything comes from the Context.
 */
import { join } from 'node:path';
import type { Context } from '../context.js';

export interface Dirs {
  /** user config: config.json and a user-level .env */
  config: string;
  /** key cache (0700 dir, 0600 files) */
  cache: string;
  /** error log, hook bookkeeping */
  state: string;
  /** collected telemetry (cc-otel collect) */
  data: string;
}

export function userDirs(ctx: Pick<Context, 'env' | 'homeDir' | 'platform'>): Dirs {
  const { env, homeDir } = ctx;
  const xdg = (name: string, fallback: string) => {
    const v = env[name];
    // XDG spec: relative paths are invalid and must be ignored.
    return v && v.startsWith('/') ? join(v, 'cc-otel') : fallback;
  };
  if (ctx.platform === 'darwin') {
    return {
      config: xdg('XDG_CONFIG_HOME', join(homeDir, '.config', 'cc-otel')),
      cache: xdg('XDG_CACHE_HOME', join(homeDir, 'Library', 'Caches', 'cc-otel')),
      state: xdg('XDG_STATE_HOME', join(homeDir, 'Library', 'Application Support', 'cc-otel')),
      data: xdg('XDG_DATA_HOME', join(homeDir, 'Library', 'Application Support', 'cc-otel', 'data')),
    };
  }
  if (ctx.platform === 'win32') {
    const appData = env.APPDATA || join(homeDir, 'AppData', 'Roaming');
    const local = env.LOCALAPPDATA || join(homeDir, 'AppData', 'Local');
    return {
      config: join(appData, 'cc-otel'),
      cache: join(local, 'cc-otel', 'cache'),
      state: join(local, 'cc-otel', 'state'),
      data: join(local, 'cc-otel', 'data'),
    };
  }
  return {
    config: xdg('XDG_CONFIG_HOME', join(homeDir, '.config', 'cc-otel')),
    cache: xdg('XDG_CACHE_HOME', join(homeDir, '.cache', 'cc-otel')),
    state: xdg('XDG_STATE_HOME', join(homeDir, '.local', 'state', 'cc-otel')),
    data: xdg('XDG_DATA_HOME', join(homeDir, '.local', 'share', 'cc-otel')),
  };
}
