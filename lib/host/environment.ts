/** The runtime's own environment, as "KEY=value" entries (what a hook without `env` gets, and where NOTIFY_SOCKET is read). */
export function runtimeEnvironment(): string[] {
  return Object.entries(process.env).map(([key, value]) => `${key}=${value ?? ''}`);
}
