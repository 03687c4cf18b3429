import { describe, expect, test } from "vitest";
import { canon, diags, evalMatch, packet } from "./helpers.js";

/** [family, table, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
type Case = readonly [4 | 6, string, string, string];

const CANON: readonly Case[] = [
  [4, "mangle", "-A PREROUTING -m helper --helper ftp -j DROP", "-A PREROUTING -m helper --helper ftp -j DROP"],
  [4, "mangle", "-A PREROUTING -m helper ! --helper \"ftp-2121\" -j DROP", "-A PREROUTING -m helper ! --helper ftp-2121 -j DROP"],
  [4, "mangle", "-A PREROUTING -m helper --helper \"\" -j DROP", "-A PREROUTING -m helper --helper \"\" -j DROP"],
  [4, "mangle", "-A PREROUTING -m helper --helper \"a b\" -j DROP", "-A PREROUTING -m helper --helper \"a b\" -j DROP"],
  [4, "mangle", "-A PREROUTING -m helper --helper 0123456789012345678901234567890 -j DROP", "-A PREROUTING -m helper --helper 01234567890123456789012345678 -j DROP"],
];

describe("helper canonical print", () => {
  test.each(CANON)("IPv%s %s: %s", (family, table, input, expected) => expect(canon(family, table, input)).toBe(expected));
});

describe("helper", () => {
  test("diagnostics", () => {
    expect(diags(4, "mangle", "-A U -m helper -j DROP")).toEqual(["error missing-option 3:6+9 helper: option --helper must be specified"]);
    expect(diags(4, "mangle", "-A U -m helper --helper 0123456789012345678901234567890 -j DROP")).toEqual([
      "warning value-truncated 3:25+31 helper: the name is longer than 29 characters; iptables keeps the first 29",
    ]);
  });
  test("evaluation: only RELATED connections have a master with a helper", () => {
    const run = (line: string, ctState: "NEW" | "RELATED") => evalMatch(4, "filter", line, packet({ ctState }));
    expect(run("-A U -m helper --helper ftp", "NEW")).toBe(false);
    expect(run("-A U -m helper ! --helper ftp", "NEW")).toBe(true);
    expect(run("-A U -m helper --helper ftp", "RELATED")).toEqual({
      kind: "unknown",
      key: "helper:ftp",
      assumption: "the connection was expected by the ftp helper",
    });
  });
});
