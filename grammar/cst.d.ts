import type { CstNode, ICstVisitor, IToken } from "chevrotain";

export interface DumpCstNode extends CstNode {
  name: "dump";
  children: DumpCstChildren;
}

export type DumpCstChildren = {
  Newline?: IToken[];
  line?: LineCstNode[];
};

export interface LineCstNode extends CstNode {
  name: "line";
  children: LineCstChildren;
}

export type LineCstChildren = {
  CommentLine?: IToken[];
  tableLine?: TableLineCstNode[];
  chainLine?: ChainLineCstNode[];
  commitLine?: CommitLineCstNode[];
  commandLine?: CommandLineCstNode[];
  strayLine?: StrayLineCstNode[];
};

export interface TableLineCstNode extends CstNode {
  name: "tableLine";
  children: TableLineCstChildren;
}

export type TableLineCstChildren = {
  TableHeader: IToken[];
  RuleWord?: IToken[];
};

export interface ChainLineCstNode extends CstNode {
  name: "chainLine";
  children: ChainLineCstChildren;
}

export type ChainLineCstChildren = {
  ChainDecl: IToken[];
  RuleWord?: IToken[];
};

export interface CommitLineCstNode extends CstNode {
  name: "commitLine";
  children: CommitLineCstChildren;
}

export type CommitLineCstChildren = {
  Commit: IToken[];
  RuleWord?: IToken[];
};

export interface CommandLineCstNode extends CstNode {
  name: "commandLine";
  children: CommandLineCstChildren;
}

export type CommandLineCstChildren = {
  Counters?: IToken[];
  Command: IToken[];
  RuleText?: IToken[];
};

export interface StrayLineCstNode extends CstNode {
  name: "strayLine";
  children: StrayLineCstChildren;
}

export type StrayLineCstChildren = {
  RuleWord: IToken[];
};

export interface ICstNodeVisitor<IN, OUT> extends ICstVisitor<IN, OUT> {
  dump(children: DumpCstChildren, param?: IN): OUT;
  line(children: LineCstChildren, param?: IN): OUT;
  tableLine(children: TableLineCstChildren, param?: IN): OUT;
  chainLine(children: ChainLineCstChildren, param?: IN): OUT;
  commitLine(children: CommitLineCstChildren, param?: IN): OUT;
  commandLine(children: CommandLineCstChildren, param?: IN): OUT;
  strayLine(children: StrayLineCstChildren, param?: IN): OUT;
}
