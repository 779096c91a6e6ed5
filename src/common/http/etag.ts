import type { Response } from 'express';
import { ProblemException } from '../problem/problem.exception.js';

/** Strong ETag of a versioned resource: the row's version counter, quoted. */
export function etagOf(version: number): string {
  return `"${version}"`;
}

export function setEtag(response: Response, version: number): void {
  response.setHeader('ETag', etagOf(version));
}

/** Whether `If-None-Match` (a conditional GET) names the current representation's tag (weak comparison). */
export function noneMatchHits(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === tag);
}

/**
 * Checks `If-Match` against the resource's current version (RFC 9110 strong comparison; `*` matches any).
 * An absent header means the caller accepts last-writer-wins.
 */
export function assertIfMatch(ifMatch: string | undefined, currentVersion: number): void {
  assertIfMatchTag(ifMatch, etagOf(currentVersion));
}

/** {@link assertIfMatch} for a resource whose entity tag is not a version counter (e.g. a digest of its content). */
export function assertIfMatchTag(ifMatch: string | undefined, current: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') {
    return;
  }
  const tags = ifMatch.split(',').map((tag) => tag.trim());
  if (tags.some((tag) => !/^(W\/)?"[^"]*"$/.test(tag))) {
    throw ProblemException.badRequest(
      'If-Match must be "*" or a list of entity tags such as "3" (quotes included)',
    );
  }
  if (!tags.includes(current)) {
    throw ProblemException.preconditionFailed(
      `The resource changed since you read it (its ETag is now ${current}); read it again and retry.`,
    );
  }
}
