// The files of the generation an index directory serves. Kept free of the index reader's imports,
// because the load floor (load-floor.ts) uses it and must not pay for loading the search code.
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { CURRENT_FILE, SEGMENTS_DIR, type GenerationManifest } from "../src/index/format.js";

export async function currentManifest(indexDir: string): Promise<GenerationManifest> {
  const name = (await readFile(path.join(indexDir, CURRENT_FILE), "utf8")).trim();
  return JSON.parse(await readFile(path.join(indexDir, name), "utf8")) as GenerationManifest;
}

/**
 * CURRENT, its manifest and every file of the segments it names. An older generation kept for
 * rollback is left out: the server never reads it, and a fresh full build has none.
 */
export async function currentGenerationFiles(indexDir: string): Promise<string[]> {
  const name = (await readFile(path.join(indexDir, CURRENT_FILE), "utf8")).trim();
  const manifest = JSON.parse(await readFile(path.join(indexDir, name), "utf8")) as GenerationManifest;
  const files = [path.join(indexDir, CURRENT_FILE), path.join(indexDir, name)];
  for (const segment of manifest.segments) {
    const dir = path.join(indexDir, SEGMENTS_DIR, segment.name);
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) files.push(path.join(entry.parentPath, entry.name));
    }
  }
  return files;
}

export async function currentGenerationBytes(indexDir: string): Promise<number> {
  let bytes = 0;
  for (const file of await currentGenerationFiles(indexDir)) bytes += (await stat(file)).size;
  return bytes;
}
