/**
 * Type errors of changed files for `npm run synth -- --watch`, on a thread of its own: a TypeScript LanguageService
 * over the project's tsconfig.json keeps the program between checks, so after the first (which loads every
 * declaration, seconds) a check re-reads only what changed. The synth never waits for it: esbuild strips types, as
 * tsx does, and a type error is reported, not a reason to keep the old dist/.
 */
import * as fs from 'fs';
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import type * as TS from 'typescript';

export interface TypeCheckRequest {
  /** Absolute paths of the files that changed; their diagnostics are returned. */
  readonly files: readonly string[];
  /** Only load the program and check these files, replying nothing (done once, ahead of the first save). */
  readonly warm?: boolean;
}
export interface TypeCheckReply {
  readonly files: readonly string[];
  readonly errors: readonly string[];
  /** The answer to a warm-up. */
  readonly warm?: boolean;
}

const ts: typeof TS = require('typescript');
const root: string = workerData.root;
const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
const versions = new Map<string, number>();
const names = new Set(config.fileNames);

const service = ts.createLanguageService(
  {
    getScriptFileNames: () => [...names],
    getScriptVersion: (file) => String(versions.get(file) ?? 0),
    getScriptSnapshot: (file) => (fs.existsSync(file) ? ts.ScriptSnapshot.fromString(fs.readFileSync(file, 'utf8')) : undefined),
    getCurrentDirectory: () => root,
    getCompilationSettings: () => ({ ...config.options, incremental: false, tsBuildInfoFile: undefined }),
    getDefaultLibFileName: (options) => ts.getDefaultLibFilePath(options),
    fileExists: ts.sys.fileExists,
    readFile: ts.sys.readFile,
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  },
  ts.createDocumentRegistry(),
);

function check(files: readonly string[]): string[] {
  const errors: string[] = [];
  for (const file of files) {
    versions.set(file, (versions.get(file) ?? 0) + 1);
    if (fs.existsSync(file)) names.add(file);
    else names.delete(file);
  }
  for (const file of files.filter((f) => names.has(f))) {
    for (const d of [...service.getSyntacticDiagnostics(file), ...service.getSemanticDiagnostics(file)]) {
      const where = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : undefined;
      const at = where ? `${path.relative(root, file)}(${where.line + 1},${where.character + 1})` : path.relative(root, file);
      errors.push(`${at}: error TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    }
  }
  return errors;
}

parentPort!.on('message', (request: TypeCheckRequest) => {
  if (request.warm) {
    for (const file of request.files) service.getSemanticDiagnostics(file);
    parentPort!.postMessage({ files: [], errors: [], warm: true });
    return;
  }
  const reply: TypeCheckReply = { files: request.files, errors: check(request.files) };
  parentPort!.postMessage(reply);
});
