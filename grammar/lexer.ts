/** The one lexer instance of the process. */
import { Lexer } from "chevrotain";
import { allTokens } from "./tokens.js";

export const lexer = new Lexer(allTokens, {
  positionTracking: "full",
  // Newline is the only token that contains a line break; telling Chevrotain so lets it skip
  // scanning every other token for line terminators (rule lines dominate dumps).
  lineTerminatorsPattern: /\n/g,
  lineTerminatorCharacters: ["\n"],
  ensureOptimizations: false,
  skipValidations: true,
});
