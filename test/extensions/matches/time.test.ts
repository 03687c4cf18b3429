import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";
import { parseDate, parseDaytime } from "../../../src/extensions/matches/time.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m time --timestart 08:00 --timestop 17:00", "-A U -m time --timestart 08:00:00 --timestop 17:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 8:0 --timestop 17:00:30", "-A U -m time --timestart 08:00:00 --timestop 17:00:30 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays Mon,Tue", "-A U -m time --weekdays Mon,Tue --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays 1,2,7", "-A U -m time --weekdays Mon,Tue,Sun --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time ! --weekdays Mon", "-A U -m time --weekdays Tue,Wed,Thu,Fri,Sat,Sun --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays Sun,Sat,Fri,Thu,Wed,Tue,Mon", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays Monday", "-A U -m time --weekdays Mon --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --monthdays 1,15,31", "-A U -m time --monthdays 1,15,31 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time ! --monthdays 1", "-A U -m time --monthdays 2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2024-01-01 --datestop 2024-12-31T23:59:59", "-A U -m time --datestart 2024-01-01T00:00:00 --datestop 2024-12-31T23:59:59"],
  [4, "-A U -m time --datestart 2024-01-01T10", "-A U -m time --datestart 2024-01-01T10:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 1970-01-01", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestop 2038-01-19T03:14:07", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestop 2038-01-19T03:14:08", "-A U -m time --datestop 2038-01-19T03:14:08"],
  [4, "-A U -m time --datestart 2024", "-A U -m time --datestart 2024-01-01T00:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2024-02-30", "-A U -m time --datestart 2024-03-01T00:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --kerneltz --timestart 08:00", "-A U -m time --timestart 08:00:00 --timestop 23:59:59 --datestop 2038-01-19T03:14:07 --kerneltz"],
  [4, "-A U -m time --utc --timestart 08:00", "-A U -m time --timestart 08:00:00 --timestop 23:59:59 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --localtz --timestart 08:00", "-A U -m time --timestart 08:00:00 --timestop 23:59:59 --datestop 2038-01-19T03:14:07 --kerneltz"],
  [4, "-A U -m time --contiguous --timestart 22:00 --timestop 06:00", "-A U -m time --timestart 22:00:00 --timestop 06:00:00 --datestop 2038-01-19T03:14:07 --contiguous"],
  [4, "-A U -m time --timestart 22:00 --timestop 06:00", "-A U -m time --timestart 22:00:00 --timestop 06:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 23:59:59", "-A U -m time --timestart 23:59:59 --timestop 23:59:59 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 00:00 --timestop 23:59:59", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 00:00:00", "-A U -m time --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestop 00:00:00", "-A U -m time --timestart 00:00:00 --timestop 00:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --monthdays 100", "-A U -m time --monthdays 10 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --monthdays 0", "-A U -m time --monthdays  --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --monthdays 0,1", "-A U -m time --monthdays 1 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --monthdays 1,,2", "-A U -m time --monthdays 1,2 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays 8", "-A U -m time --weekdays  --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays Tu,Su", "-A U -m time --weekdays Tue,Sun --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time ! --weekdays Mon,Tue,Wed,Thu,Fri,Sat,Sun", "-A U -m time --weekdays  --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time ! --monthdays 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31", "-A U -m time --monthdays  --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2038-12-31T23:59:59", "-A U -m time --datestart 2038-12-31T23:59:59 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2030 --datestop 2020", "-A U -m time --datestart 2030-01-01T00:00:00 --datestop 2020-01-01T00:00:00"],
  [4, "-A U -m time --datestart 2024-1-2T3:4:5", "-A U -m time --datestart 2024-01-02T03:04:05 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 1:2:3", "-A U -m time --timestart 01:02:03 --timestop 23:59:59 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --timestart 010:00", "-A U -m time --timestart 10:00:00 --timestop 23:59:59 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestop 1970", "-A U -m time"],
  [4, "-A U -m time --weekdays Mon,Mon", "-A U -m time --weekdays Mon --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --weekdays Monday,Sat --monthdays 5 --timestart 1:00 --timestop 2:00 --datestart 2020 --datestop 2021 --kerneltz", "-A U -m time --timestart 01:00:00 --timestop 02:00:00 --monthdays 5 --weekdays Mon,Sat --datestart 2020-01-01T00:00:00 --datestop 2021-01-01T00:00:00 --kerneltz"],
  [4, "-A U -m time --timestart 10:00 --timestop 10:00 --contiguous", "-A U -m time --timestart 10:00:00 --timestop 10:00:00 --datestop 2038-01-19T03:14:07 --contiguous"],
  [4, "-A U -m time --weekdays Mon,", "-A U -m time --weekdays Mon --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2024-00-10", "-A U -m time --datestart 2023-12-10T00:00:00 --datestop 2038-01-19T03:14:07"],
  [4, "-A U -m time --datestart 2024-03-00", "-A U -m time --datestart 2024-02-29T00:00:00 --datestop 2038-01-19T03:14:07"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m time --weekdays mon", "mon is not a valid day specifier", "mon is not a valid day specifier"],
  [4, "-A U -m time --monthdays 32", "32 is not a valid day for --monthdays", "32 is not a valid day for --monthdays"],
  [4, "-A U -m time --contiguous", "time: --contiguous only makes sense when stoptime is smaller than starttime", "time: --contiguous only makes sense when stoptime is smaller than starttime"],
  [4, "-A U -m time --timestart 24:00", "invalid time \"24:00\" specified, should be hh:mm[:ss] format and within the boundaries", "invalid time \"24:00\" specified, should be hh:mm[:ss] format and within the boundaries"],
  [4, "-A U -m time --monthdays 0x1f", "0x is not a valid day for --monthdays", "0x is not a valid day for --monthdays"],
  [4, "-A U -m time --weekdays Mo,x", "x is not a valid day specifier", "x is not a valid day specifier"],
  [4, "-A U -m time --weekdays 0", "No, the week does NOT begin with Sunday.", "No, the week does NOT begin with Sunday."],
  [4, "-A U -m time --datestart 2024-13", "Invalid date \"2024-13\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", "Invalid date \"2024-13\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"],
  [4, "-A U -m time --datestart 1969", "Invalid date \"1969\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", "Invalid date \"1969\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"],
  [4, "-A U -m time --datestart 2039", "Invalid date \"2039\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", "Invalid date \"2039\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"],
  [4, "-A U -m time --datestart 2024-01-01T10:00:00Z", "Invalid date \"2024-01-01T10:00:00Z\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]", "Invalid date \"2024-01-01T10:00:00Z\" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]"],
  [4, "-A U -m time --utc --kerneltz", "time: option \"--utc\" cannot be used together with \"--kerneltz\".", "time: option \"--utc\" cannot be used together with \"--kerneltz\"."],
  [4, "-A U -m time --timestart 10:00 --timestart 11:00", "time: option \"--timestart\" can only be used once.", "time: option \"--timestart\" can only be used once."],
  [4, "-A U -m time --timestart 10", "invalid time \"10\" specified, should be hh:mm[:ss] format and within the boundaries", "invalid time \"10\" specified, should be hh:mm[:ss] format and within the boundaries"],
  [4, "-A U -m time --timestart 10:60", "invalid time \"60\" specified, should be hh:mm[:ss] format and within the boundaries", "invalid time \"60\" specified, should be hh:mm[:ss] format and within the boundaries"],
  [4, "-A U -m time --weekdays Mon,,Tue", "No, the week does NOT begin with Sunday.", "No, the week does NOT begin with Sunday."],
  [4, "-A U -m time --timestart 10:00:60", "invalid time \"60\" specified, should be hh:mm[:ss] format and within the boundaries", "invalid time \"60\" specified, should be hh:mm[:ss] format and within the boundaries"],
  [4, "-A U -m time --localtz --utc", "WARNING: --localtz is being replaced by --kerneltz, since \"local\" is ambiguous. Note the kernel timezone has caveats - see manpage for details. time: option \"--localtz\" cannot be used together with \"--utc\".", "time: option \"--localtz\" cannot be used together with \"--utc\"."],
];

describe("time canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("time refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("time parsing (libxt_time)", () => {
  test("dates are UTC and normalised", () => {
    expect(parseDate("2024-02-30")).toBe(Date.UTC(2024, 2, 1) / 1000);
    expect(parseDate("2024-00-10")).toBe(Date.UTC(2023, 11, 10) / 1000);
    expect(parseDate("2039")).toBeNull();
    expect(parseDaytime("10:60")).toEqual({ bad: "60" });
  });
});

describe("time evaluation", () => {
  test("the arrival time is unknown; an empty day set never matches", () => {
    expect(evalMatch(4, "filter", "-A U -m time --weekdays Sat,Sun --kerneltz", packet())).toEqual({
      kind: "unknown",
      key: "time:--weekdays Sat,Sun --datestop 2038-01-19T03:14:07 --kerneltz",
      assumption: "the packet arrives within --weekdays Sat,Sun --datestop 2038-01-19T03:14:07 --kerneltz",
    });
    expect(evalMatch(4, "filter", "-A U -m time --weekdays 8", packet())).toBe(false);
  });
});
