import { setTimeout as sleep } from 'node:timers/promises';

/** Whether `probe` holds within `timeoutMs`, asked every 50 ms (a bounded wait for something another process does). */
export async function eventually(
  probe: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
}
