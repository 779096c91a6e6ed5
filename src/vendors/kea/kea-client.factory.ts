import type { ServerTarget } from '../driver.js';
import { KeaControlAgentClient } from './kea-control-agent.client.js';
import { keaSettingsOf } from './kea-settings.js';

/** Runs `run` with a client for the server's Control Agent, closing its connections afterwards. */
export async function withKeaClient<T>(
  target: ServerTarget,
  run: (client: KeaControlAgentClient) => Promise<T>,
): Promise<T> {
  const client = new KeaControlAgentClient(keaSettingsOf(target));
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}
