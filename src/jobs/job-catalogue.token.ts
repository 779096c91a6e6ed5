/** The catalogue a process runs (the product's, or a test's), injected by class token. */
export class JobCatalogueNames {
  constructor(readonly names: Readonly<Record<string, readonly string[]>>) {}
}
