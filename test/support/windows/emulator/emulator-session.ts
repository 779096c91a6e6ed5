/**
 * One SSH session of the emulated Windows server: parse the script (refused whole on a syntax error, like
 * PowerShell), then under the estate lock run it against the state, write the state back once, and log the session.
 * Faults set on the server in the state file change what happens (see Faults in dhcp-state.ts).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DhcpContext } from './dhcp-context.js';
import { failoverCmdlets } from './dhcp-failover-cmdlets.js';
import { moduleCmdlet, optionCmdlets } from './dhcp-option-cmdlets.js';
import { scopeCmdlets } from './dhcp-scope-cmdlets.js';
import { type EstateState, lockEstate, readEstate, type ServerState, writeEstate } from './dhcp-state.js';
import { cimError, formatError, PsError } from './ps-errors.js';
import { type CmdletDef, Interpreter } from './ps-interpreter.js';
import { convertToJson } from './ps-json.js';
import { ScriptParser } from './ps-chunks.js';
import { loadParser, type ParseFailure } from './ps-syntax.js';
import { Hashtable, isNull, PsObject, toPsString } from './ps-values.js';
import { planExecution } from './session-plan.js';

export interface SessionResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when a fault says the connection drops: the caller kills the connection instead of answering. */
  drop: boolean;
}

export interface SessionLogLine {
  time: string;
  server: string;
  cmdlets: number;
  outcome: 'ok' | 'failed' | 'parse-error' | 'dropped' | 'refused';
  ms: number;
  dropped?: number;
}

export function sessionLogPath(stateFile: string, server: string): string {
  return path.join(path.dirname(stateFile), `sessions-${server.toLowerCase()}.log`);
}

export function logSession(stateFile: string, line: SessionLogLine): void {
  appendFileSync(sessionLogPath(stateFile, line.server), `${JSON.stringify(line)}\n`);
}

function parseErrorText(f: ParseFailure): string {
  return [
    `At line:${f.line} char:${f.column}`,
    `+ ${f.lineText}`,
    `${' '.repeat(f.column + 1)}~`,
    f.message,
    '    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException',
    `    + FullyQualifiedErrorId : ${f.errorId}`,
    '',
  ].join('\n');
}

/** What PowerShell's host prints for objects left in the output (strings as they are). */
function render(v: unknown): string {
  if (isNull(v)) return '';
  if (v instanceof Hashtable)
    return [...v.entries.values()].map((e) => `${e.key.padEnd(20)} ${toPsString(e.value)}`).join('\n');
  if (v instanceof PsObject)
    return Object.entries(v.props)
      .map(([k, x]) => `${k.padEnd(20)}: ${toPsString(x)}`)
      .join('\n');
  return toPsString(v);
}

function buildCmdlets(ctx: () => DhcpContext): Map<string, CmdletDef> {
  const json: CmdletDef = {
    name: 'ConvertTo-Json',
    params: [
      { name: 'InputObject', type: 'Object', mandatory: true },
      { name: 'Depth', type: 'Int32' },
      { name: 'Compress', type: 'Switch' },
    ],
    sets: ['Default'],
    defaultSet: 'Default',
    dhcp: false,
    run: (b) => [
      convertToJson(
        b.get('InputObject'),
        (b.get('Depth') as number | undefined) ?? 2,
        b.get('Compress') === true,
      ),
    ],
  };
  const all = [json, moduleCmdlet(ctx), ...scopeCmdlets(ctx), ...optionCmdlets(ctx), ...failoverCmdlets(ctx)];
  return new Map(all.map((c) => [c.name.toLowerCase(), c]));
}

export async function runSession(
  stateFile: string,
  serverName: string,
  source: string,
): Promise<SessionResult> {
  const started = Date.now();
  const log = (outcome: SessionLogLine['outcome'], cmdlets: number, dropped?: number): void =>
    logSession(stateFile, {
      time: new Date().toISOString(),
      server: serverName,
      cmdlets,
      outcome,
      ms: Date.now() - started,
      ...(dropped ? { dropped } : {}),
    });
  const script = source.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const parsed = new ScriptParser(await loadParser()).parse(script);
  const plan = 'failure' in parsed ? parsed : planExecution(parsed.lines, script);
  if ('failure' in plan || 'failure' in parsed) {
    log('parse-error', 0);
    const failure = 'failure' in plan ? plan.failure : (parsed as { failure: ParseFailure }).failure;
    return { stdout: '', stderr: parseErrorText(failure), exitCode: 1, drop: false };
  }

  // A slow server answers late: the wait comes before the lock, so it does not hold up other sessions.
  const before = JSON.parse(readFileSync(stateFile, 'utf8')) as EstateState;
  const delay = before.servers[serverName.toLowerCase()]?.faults.delayMs ?? 0;
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));

  const release = await lockEstate(stateFile);
  try {
    const estate = readEstate(stateFile);
    const server: ServerState | undefined = estate.servers[serverName.toLowerCase()];
    if (!server)
      return {
        stdout: '',
        stderr: `emulator: no server ${serverName} in ${stateFile}\n`,
        exitCode: 1,
        drop: false,
      };
    let count = 0; // every DhcpServer cmdlet run, for the session log
    let named = 0; // the cmdlets failCommand counts: all, or the calls of the one it names
    let dropCount = 0; // the same for dropAfterCmdlets
    const drops =
      typeof server.faults.dropAfterCmdlets === 'number'
        ? { n: server.faults.dropAfterCmdlets, cmdlet: undefined }
        : server.faults.dropAfterCmdlets;
    let drop = false;
    const ctx = (): DhcpContext => ({ estate, server });
    const interpreter = new Interpreter(buildCmdlets(ctx), {
      env: (name) => (name.toLowerCase() === 'computername' ? server.name : undefined),
      beforeDhcpCmdlet: (name) => {
        count++;
        const fail = server.faults.failCommand;
        const counts = fail?.cmdlet === undefined || fail.cmdlet.toLowerCase() === name.toLowerCase();
        if (counts) named++;
        if (server.faults.down)
          throw cimError(name, 1722, `Failed to connect to the DHCP server service on ${server.name}.`);
        if (fail && counts && fail.n === named)
          throw cimError(name, fail.code, `Failed to run ${name} on DHCP server ${server.name}.`);
      },
      afterDhcpCmdlet: (name) => {
        if (!drops || (drops.cmdlet !== undefined && drops.cmdlet.toLowerCase() !== name.toLowerCase()))
          return;
        if (++dropCount === drops.n) throw new DropConnection();
      },
    });
    const out: string[] = [];
    const err: string[] = [];
    let exitCode = 0;
    const lines = script.split('\n');
    try {
      groups: for (const group of plan.groups) {
        for (const index of group) {
          const stmt = parsed.statement(index);
          const items: unknown[] = [];
          const before = interpreter.errors.length;
          try {
            interpreter.runTopLevel(stmt, items);
            exitCode = interpreter.errors.length > before ? 1 : 0;
          } catch (error) {
            if (!(error instanceof PsError)) throw error;
            const line = interpreter.currentLine();
            err.push(formatError(error, line, lines[line - 1] ?? ''));
            exitCode = 1;
            // With $ErrorActionPreference = 'Stop' an uncaught error ends the script; otherwise the next one runs.
            if (interpreter.stopOnErrorPreference()) break groups;
          } finally {
            out.push(...items.map(render));
            for (const e of interpreter.errors.splice(before))
              err.push(formatError(e.error, e.line, lines[e.line - 1] ?? ''));
          }
        }
      }
    } catch (error) {
      if (!(error instanceof DropConnection)) throw error;
      drop = true;
    }
    writeEstate(stateFile, estate);
    log(drop ? 'dropped' : exitCode === 0 ? 'ok' : 'failed', count, plan.dropped);
    if (drop) return { stdout: '', stderr: '', exitCode: 1, drop: true };
    return {
      stdout: out
        .filter((s) => s !== '')
        .map((s) => `${s}\r\n`)
        .join(''),
      stderr: err.join(''),
      exitCode,
      drop: false,
    };
  } finally {
    release();
  }
}

class DropConnection extends Error {}
