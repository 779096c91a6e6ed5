/** What a DhcpServer cmdlet sees: the estate of the session, the server it runs on, and address arithmetic. */
import type { Bound, ParamSpec } from './cmdlet-binding.js';
import type { EstateState, ScopeState, ServerState } from './dhcp-state.js';
import { cimError, type PsError } from './ps-errors.js';
import type { CmdletDef } from './ps-interpreter.js';

/** Builds the CimException of the running cmdlet; `{server}` in the sentence becomes the server's name. */
export type CimErrorFactory = (code: number, what: string, target?: string) => PsError;

export interface DhcpContext {
  estate: EstateState;
  server: ServerState;
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function scopeIdOf(address: string, mask: string): string {
  return intToIp((ipToInt(address) & ipToInt(mask)) >>> 0);
}

export function isContiguousMask(mask: string): boolean {
  const n = ipToInt(mask);
  const inverted = ~n >>> 0;
  return n !== 0 && (inverted & (inverted + 1)) === 0;
}

export function inRange(ip: string, start: string, end: string): boolean {
  const n = ipToInt(ip);
  return n >= ipToInt(start) && n <= ipToInt(end);
}

/** -PassThru: the objects worked on, otherwise nothing (the documented default output). */
export const passThru = <T>(bound: Bound, objects: T[]): T[] =>
  bound.get('PassThru') === true ? objects : [];

export type CmdletBody = (ctx: DhcpContext, bound: Bound, set: string, fail: CimErrorFactory) => unknown[];

/** One DhcpServer cmdlet: its documented parameters and parameter sets, and what it does to the estate. */
export function dhcpCmdlet(
  ctx: () => DhcpContext,
  name: string,
  params: ParamSpec[],
  body: CmdletBody,
  sets: string[] = ['Default'],
  defaultSet = sets[0],
): CmdletDef {
  return {
    name,
    params,
    sets,
    defaultSet,
    dhcp: true,
    run: (bound, set) => {
      const c = ctx();
      return body(c, bound, set, failFor(name, c));
    },
  };
}

function failFor(name: string, c: DhcpContext): CimErrorFactory {
  return (code, what, target) => cimError(name, code, what.replace('{server}', c.server.name), target);
}

export function scopeOrFail(ctx: DhcpContext, id: string, fail: CimErrorFactory, action: string): ScopeState {
  const scope = ctx.server.scopes[id];
  if (!scope) throw fail(20005, `Failed to ${action} scope ${id} on DHCP server {server}.`, id);
  return scope;
}
