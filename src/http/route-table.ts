import type { INestApplication } from '@nestjs/common';

interface RouterLayer {
  route?: { path: string; methods: Record<string, boolean> };
  match(path: string): boolean;
}

/**
 * Which methods the app serves at a path, read from Express's router after routes are registered, so an
 * unmatched method answers 405 with `Allow` rather than 404.
 */
export class RouteTable {
  private layers: RouterLayer[] = [];

  capture(app: INestApplication): void {
    const instance = app.getHttpAdapter().getInstance() as { router?: { stack: RouterLayer[] } };
    // Wildcard routes (the not-found catch-all) answer every method and say nothing about what is served.
    this.layers = (instance.router?.stack ?? []).filter(
      (layer) => layer.route && !layer.route.path.includes('*'),
    );
  }

  allowedMethods(path: string): string[] {
    const methods = new Set<string>();
    for (const layer of this.layers) {
      if (layer.match(path)) {
        for (const [method, enabled] of Object.entries(layer.route?.methods ?? {})) {
          if (enabled && method !== '_all') methods.add(method.toUpperCase());
        }
      }
    }
    return [...methods].sort();
  }
}
