import { Injectable } from '@nestjs/common';
import type { JobHandler } from './job-handler.js';

/** Feature modules register a handler per (queue, job name) when they initialise. */
@Injectable()
export class JobHandlerRegistry {
  private readonly handlers = new Map<string, JobHandler>();

  register(queue: string, name: string, handler: JobHandler): void {
    const key = `${queue}/${name}`;
    if (this.handlers.has(key)) {
      throw new Error(`Job ${key} has two handlers`);
    }
    this.handlers.set(key, handler);
  }

  get(queue: string, name: string): JobHandler | undefined {
    return this.handlers.get(`${queue}/${name}`);
  }

  /** Start-up fails when a catalogued job has nobody to run it. */
  assertComplete(catalogue: Readonly<Record<string, readonly string[]>>): void {
    const missing = Object.entries(catalogue).flatMap(([queue, names]) =>
      names.filter((name) => !this.handlers.has(`${queue}/${name}`)).map((name) => `${queue}/${name}`),
    );
    if (missing.length > 0) {
      throw new Error(`No handler registered for job(s): ${missing.join(', ')}`);
    }
  }
}
