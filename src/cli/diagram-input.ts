/** Diagram files as the CLI reads them: the reader's "choose one …" is told which flag chooses. */
import { readDiagramFile, readDiagramFiles, type DiagramFile } from '../io/diagram_file.js';
import { UsageError } from '../errors.js';

const FLAG: Record<string, string> = { class: '--class <name>', dimension: '--dim <k>' };

function hinted(err: unknown): never {
  const m = err instanceof UsageError ? /: choose one (class|dimension)$/.exec(err.message) : null;
  if (m) throw new UsageError(`${(err as Error).message} with ${FLAG[m[1]]}`);
  throw err;
}

/** One diagram (`dim` and `cls` pick it from files holding several). */
export function diagramFromFile(path: string, dim?: number, cls?: string): Promise<DiagramFile> {
  return readDiagramFile(path, dim, cls).catch(hinted);
}

/** Every dimension's diagram in the file (of class `cls` in a per-class file). */
export function diagramsFromFile(path: string, cls?: string): Promise<DiagramFile[]> {
  return readDiagramFiles(path, cls).catch(hinted);
}
