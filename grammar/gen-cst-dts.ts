/**
 * Writes grammar/cst.d.ts from the parser's grammar (Chevrotain's generateCstDts). A test keeps the
 * committed file in sync: run `npx tsx grammar/gen-cst-dts.ts` after changing the grammar.
 */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { cstDts } from "./index.js";

writeFileSync(join(dirname(fileURLToPath(import.meta.url)), "cst.d.ts"), cstDts());
