// The load floor, run as its own process: read every file of the index's current generation and
// load jieba's dictionaries, which any server start must do at least. Prints {files, bytes}.
import { readFile } from "node:fs/promises";
import { loadSegmenter } from "../src/analysis/jieba.js";
import { currentGenerationFiles } from "./index-files.js";

const indexDir = process.argv[2];
if (!indexDir) throw new Error("usage: node dist/bench/load-floor.js <index dir>");
const files = await currentGenerationFiles(indexDir);
let bytes = 0;
for (const file of files) bytes += (await readFile(file)).length;
loadSegmenter();
process.stdout.write(JSON.stringify({ files: files.length, bytes }));
