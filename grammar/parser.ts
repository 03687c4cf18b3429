/**
 * The one CstParser of the process. The grammar is the line structure of iptables-save and
 * iptables-restore input; what the words of a rule mean is decided later, by the AST builder and the
 * extension schemas (just as iptables hands a rule's argv to getopt and its extensions).
 *
 *   dump        := (Newline | line)*
 *   line        := CommentLine | tableLine | chainLine | commitLine | commandLine | strayLine
 *   tableLine   := TableHeader RuleWord*
 *   chainLine   := ChainDecl RuleWord*
 *   commitLine  := Commit RuleWord*
 *   commandLine := Counters? Command RuleText?     (RuleText: the rest of the line, see tokens.ts)
 *   strayLine   := RuleWord+  not starting with [Counters] Command (the builder explains what was expected)
 *
 * Trailing words on table/chain/COMMIT lines are accepted syntactically so that the builder can
 * report them precisely, instead of the parser failing the whole line.
 */
import { CstParser, type IParserErrorMessageProvider, type TokenType } from "chevrotain";
import {
  allTokens,
  ChainDecl,
  Command,
  CommentLine,
  Commit,
  Counters,
  Newline,
  RuleText,
  RuleWord,
  TableHeader,
} from "./tokens.js";

/** Messages in iptables' terms, not the grammar's. */
const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    return `expected ${describe(expected)} but found '${actual.image}'`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected '${firstRedundant.image}'`;
  },
  buildNoViableAltMessage({ actual }) {
    const tok = actual[0];
    return `expected a table header (*filter), a chain declaration (:CHAIN POLICY [0:0]), a command (-A CHAIN …) or COMMIT, but found '${tok?.image ?? "end of input"}'`;
  },
  buildEarlyExitMessage({ actual }) {
    return `unexpected '${actual[0]?.image ?? "end of input"}'`;
  },
};

function describe(t: TokenType): string {
  switch (t) {
    case Command:
      return "a command such as -A";
    case Newline:
      return "the end of the line";
    default:
      return t.name;
  }
}

export class IptablesParser extends CstParser {
  constructor() {
    super(allTokens, {
      recoveryEnabled: true,
      errorMessageProvider: messages,
      maxLookahead: 2,
      // commandLine and strayLine overlap on purpose; their GATEs decide.
      skipValidations: false,
    });
    this.performSelfAnalysis();
  }

  public dump = this.RULE("dump", () => {
    this.MANY(() => {
      this.OR([{ ALT: () => this.CONSUME(Newline) }, { ALT: () => this.SUBRULE(this.line) }]);
    });
  });

  public line = this.RULE("line", () => {
    this.OR([
      { ALT: () => this.CONSUME(CommentLine) },
      { ALT: () => this.SUBRULE(this.tableLine) },
      { ALT: () => this.SUBRULE(this.chainLine) },
      { ALT: () => this.SUBRULE(this.commitLine) },
      { GATE: () => this.commandAhead(), ALT: () => this.SUBRULE(this.commandLine) },
      { GATE: () => !this.commandAhead(), ALT: () => this.SUBRULE(this.strayLine) },
    ]);
  });

  public tableLine = this.RULE("tableLine", () => {
    this.CONSUME(TableHeader);
    this.MANY(() => this.CONSUME(RuleWord));
  });

  public chainLine = this.RULE("chainLine", () => {
    this.CONSUME(ChainDecl);
    this.MANY(() => this.CONSUME(RuleWord));
  });

  public commitLine = this.RULE("commitLine", () => {
    this.CONSUME(Commit);
    this.MANY(() => this.CONSUME(RuleWord));
  });

  public commandLine = this.RULE("commandLine", () => {
    this.OPTION(() => this.CONSUME(Counters));
    this.CONSUME(Command);
    this.OPTION2(() => this.CONSUME(RuleText));
  });

  public strayLine = this.RULE("strayLine", () => {
    this.AT_LEAST_ONE(() => this.CONSUME(RuleWord));
  });

  /** True when the next words are `[Counters] Command`, i.e. a command line. */
  private commandAhead(): boolean {
    const first = this.LA(1).tokenType;
    const cmd = first === Counters ? this.LA(2).tokenType : first;
    return cmd.CATEGORIES?.includes(Command) ?? false;
  }
}

export const parser = new IptablesParser();
