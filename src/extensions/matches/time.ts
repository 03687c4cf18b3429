/**
 * `-m time` (iptables-extensions(8), "time"): `--datestart`, `--datestop` (ISO 8601
 * `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`), `--timestart`, `--timestop` (`hh:mm[:ss]`), `[!] --monthdays`,
 * `[!] --weekdays`, `--contiguous`, `--kerneltz`, `--utc`, `--localtz`.
 *
 * Observed with iptables 1.8.9 (nf_tables) iptables-save:
 * - order `--timestart`, `--timestop`, `--monthdays`, `--weekdays`, `--datestart`, `--datestop`,
 *   `--kerneltz`, `--contiguous`;
 * - the times print as a pair `--timestart HH:MM:SS --timestop HH:MM:SS` whenever either differs from
 *   the whole day 00:00:00-23:59:59 (`--timestart 08:00` adds `--timestop 23:59:59`);
 * - `--datestop` is always printed, `2038-01-19T03:14:07` by default (libxt_time compares the default
 *   INT_MAX with LONG_MAX); a date at the epoch (`1970`) is not printed, so `--datestop 1970` prints
 *   nothing; dates are UTC, normalised like mktime (`2024-02-30` → `2024-03-01T00:00:00`), years
 *   1970-2038;
 * - weekdays print `Mon,…,Sun` in week order, months days ascending; `!` complements the set; a full set
 *   is not printed; an empty set (`! --weekdays` of all days, `--weekdays 8`, `--monthdays 0`) prints
 *   the option with nothing after it;
 * - weekday words: numbers 1-7 (base 0; 0 is refused; larger numbers set bits no day has) or names
 *   compared on their first two letters, case-sensitive (`Tu` → Tue, `Monday` → Mon, `mon` refused);
 *   month days: numbers cut to their first two characters (`100` → 10), 0-31, 0 setting no day;
 * - `--localtz` is `--kerneltz`; `--utc` prints nothing; `--utc` with `--kerneltz`/`--localtz` is
 *   refused; `--contiguous` needs timestart >= timestop.
 *
 * Evaluation: the packet model has no arrival time: `unknown` (false only for an empty day set).
 */
import type { MatchBase } from "../../model/ast.js";
import { defineMatch, type OptionOccurrence } from "../types.js";
import { words } from "../util.js";
import { collect, cStrtoul, exclusive, unknown, valueLoc } from "./common.js";

export interface TimeMatch extends MatchBase {
  readonly module: "time";
  /** Seconds since the epoch (UTC). */
  readonly dateStart: number;
  readonly dateStop: number;
  /** Seconds since midnight. */
  readonly timeStart: number;
  readonly timeStop: number;
  /** Bit d set for month day d (1-31); bit 0 may be set and means nothing. */
  readonly monthdays: number;
  /** Bit d set for weekday d (1 = Mon … 7 = Sun); higher bits may be set and mean nothing. */
  readonly weekdays: number;
  readonly kerneltz: boolean;
  readonly contiguous: boolean;
}

export const ALL_MONTHDAYS = 0xfffffffe;
export const ALL_WEEKDAYS = 0xfe;
const INT_MAX = 0x7fffffff;
const DAY_END = 86399;
const WEEK_DAYS = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** strtoul(s, &e, 10) for the date/time fields: value and rest. */
function dec(s: string): { v: number; rest: string } {
  const r = cStrtoul(s, 10);
  return { v: r.end === 0 ? 0 : Number(r.value > 0xffffffffn ? 0xffffffffn : r.value), rest: s.slice(r.end) };
}

/** libxt_time time_parse_date: seconds since the epoch (UTC, mktime-normalised), or null. */
export function parseDate(s: string): number | null {
  const f = [0, 1, 1, 0, 0, 0];
  const seps = ["-", "-", "T", ":", ":", ""];
  const limits = [2038, 12, 31, 23, 59, 59];
  let rest = s;
  for (let k = 0; k < 6; k++) {
    const r = dec(rest);
    f[k] = r.v;
    if (k === 0 && r.v < 1970) return null;
    if (r.v > limits[k]!) return null;
    if (r.rest === "") break;
    if (k === 5 || r.rest[0] !== seps[k]) return null;
    rest = r.rest.slice(1);
  }
  return Date.UTC(f[0]!, f[1]! - 1, f[2]!, f[3]!, f[4]!, f[5]!) / 1000;
}

/** time_parse_minutes: seconds since midnight, or the part of the text iptables names in its error. */
export function parseDaytime(s: string): number | { bad: string } {
  const h = dec(s);
  if (h.rest[0] !== ":" || h.v > 23) return { bad: s };
  const mText = h.rest.slice(1);
  const m = dec(mText);
  if ((m.rest !== "" && m.rest[0] !== ":") || m.v > 59) return { bad: mText };
  if (m.rest === "") return 3600 * h.v + 60 * m.v;
  const sText = m.rest.slice(1);
  const sec = dec(sText);
  if (sec.rest !== "" || sec.v > 59) return { bad: sText };
  return 3600 * h.v + 60 * m.v + sec.v;
}

/** my_strseg: comma-separated items, each cut to `width` characters, stopping at an empty rest. */
function segments(arg: string, width: number): string[] {
  const out: string[] = [];
  let rest: string | null = arg;
  while (rest !== null && rest !== "") {
    const i: number = rest.indexOf(",");
    out.push((i < 0 ? rest : rest.slice(0, i)).slice(0, width));
    rest = i < 0 ? null : rest.slice(i + 1);
  }
  return out;
}

function parseMonthdays(arg: string): number | string {
  let v = 0;
  for (const d of segments(arg, 2)) {
    const r = cStrtoul(d, 0);
    const rest = d.slice(r.end);
    if ((rest !== "" && rest[0] !== ",") || r.value > 31n) return `${d} is not a valid day for --monthdays`;
    v = (v | (1 << Number(r.value))) >>> 0;
  }
  return v;
}

function parseWeekdays(arg: string): number | string {
  let v = 0;
  for (const d of segments(arg, 3)) {
    const r = cStrtoul(d, 0);
    if (r.end === d.length) {
      if (r.value === 0n) return "No, the week does NOT begin with Sunday.";
      v = (v | (r.value < 32n ? 1 << Number(r.value) : 0)) >>> 0;
      continue;
    }
    let ok = false;
    for (let i = 1; i <= 7; i++)
      if (d.slice(0, 2) === WEEK_DAYS[i]!.slice(0, 2)) {
        v |= 1 << i;
        ok = true;
      }
    if (!ok) return `${d} is not a valid day specifier`;
  }
  return v;
}

const two = (n: number) => String(n).padStart(2, "0");
const hms = (t: number) => `${two(Math.floor(t / 3600))}:${two(Math.floor(t / 60) % 60)}:${two(t % 60)}`;

function isoDate(t: number): string {
  const d = new Date(t * 1000);
  return `${String(d.getUTCFullYear()).padStart(4, "0")}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}T${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

function monthdayList(mask: number): string {
  const out: number[] = [];
  for (let i = 1; i <= 31; i++) if (mask & (1 << i)) out.push(i);
  return out.join(",");
}

function weekdayList(mask: number): string {
  const out: string[] = [];
  for (let i = 1; i <= 7; i++) if (mask & (1 << i)) out.push(WEEK_DAYS[i]!);
  return out.join(",");
}

function printTime(m: TimeMatch): string {
  const times = m.timeStart !== 0 || m.timeStop !== DAY_END;
  return words(
    times && `--timestart ${hms(m.timeStart)} --timestop ${hms(m.timeStop)}`,
    m.monthdays !== ALL_MONTHDAYS && `--monthdays ${monthdayList(m.monthdays)}`,
    m.weekdays !== ALL_WEEKDAYS && `--weekdays ${weekdayList(m.weekdays)}`,
    m.dateStart !== 0 && `--datestart ${isoDate(m.dateStart)}`,
    m.dateStop !== 0 && `--datestop ${isoDate(m.dateStop)}`,
    m.kerneltz && "--kerneltz",
    m.contiguous && "--contiguous",
  );
}

export const time = defineMatch<TimeMatch>({
  name: "time",
  options: [
    { name: "datestart", args: 1 },
    { name: "datestop", args: 1 },
    { name: "timestart", args: 1 },
    { name: "timestop", args: 1 },
    { name: "contiguous", args: 0 },
    { name: "weekdays", args: 1, negatable: true },
    { name: "monthdays", args: 1, negatable: true },
    { name: "localtz", args: 0 },
    { name: "utc", args: 0 },
    { name: "kerneltz", args: 0 },
  ],
  decode(opts, ctx, loc) {
    const o = collect(opts, ctx, "time");
    exclusive(o, ctx, "time", "localtz", "utc");
    exclusive(o, ctx, "time", "utc", "kerneltz");
    const date = (k: "datestart" | "datestop", dflt: number): number => {
      const x = o.get(k);
      if (!x) return dflt;
      const t = parseDate(x.values[0]!);
      if (t === null) {
        ctx.error("bad-value", `Invalid date "${x.values[0]}" specified. Should be YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, valueLoc(x));
        return dflt;
      }
      return t;
    };
    const daytime = (k: "timestart" | "timestop", dflt: number): number => {
      const x = o.get(k);
      if (!x) return dflt;
      const t = parseDaytime(x.values[0]!);
      if (typeof t !== "number") {
        ctx.error("bad-value", `invalid time "${t.bad}" specified, should be hh:mm[:ss] format and within the boundaries`, valueLoc(x));
        return dflt;
      }
      return t;
    };
    const days = (x: OptionOccurrence | undefined, all: number, parse: (s: string) => number | string): number => {
      if (!x) return all;
      const r = parse(x.values[0]!);
      if (typeof r === "string") {
        ctx.error("bad-value", r, valueLoc(x));
        return all;
      }
      return x.negated ? (r ^ all) >>> 0 : r;
    };
    const node: TimeMatch = {
      kind: "match",
      module: "time",
      loc,
      dateStart: date("datestart", 0),
      dateStop: date("datestop", INT_MAX),
      timeStart: daytime("timestart", 0),
      timeStop: daytime("timestop", DAY_END),
      monthdays: days(o.get("monthdays"), ALL_MONTHDAYS, parseMonthdays),
      weekdays: days(o.get("weekdays"), ALL_WEEKDAYS, parseWeekdays),
      kerneltz: o.has("kerneltz") || o.has("localtz"),
      contiguous: o.has("contiguous"),
    };
    const c = o.get("contiguous");
    if (c && node.timeStart < node.timeStop)
      ctx.error("bad-value", "time: --contiguous only makes sense when stoptime is smaller than starttime", c.loc);
    const l = o.get("localtz");
    if (l) ctx.info("deprecated-option", "time: --localtz is being replaced by --kerneltz (iptables-save prints --kerneltz)", l.loc);
    return node;
  },
  print(m) {
    return printTime(m);
  },
  evaluate(m) {
    if ((m.monthdays & ALL_MONTHDAYS) === 0 || (m.weekdays & ALL_WEEKDAYS) === 0) return false;
    const text = printTime(m);
    return unknown(`time:${text}`, `the packet arrives within ${text}${m.kerneltz ? "" : " (UTC)"}`);
  },
});
