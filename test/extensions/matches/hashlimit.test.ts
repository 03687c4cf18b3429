import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";
import { bytesToCost, costToBytes, formatBytes, formatRate } from "../../../src/extensions/matches/hashlimit.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 100 --hashlimit-mode srcip --hashlimit-name kube -j ACCEPT", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 100 --hashlimit-mode srcip --hashlimit-name kube -j ACCEPT"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit 50/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-above 50/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-above 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit ! --hashlimit-above 50/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit ! --hashlimit-upto 50/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-above 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 60/min --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000"],
  [4, "-A U -m hashlimit --hashlimit-upto 3/hour --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 3/hour --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 7 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 7/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1000000/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1000000/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 333333/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 333333/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/m --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1mb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1mb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 100b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 96b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1000kb/s --hashlimit-burst 2mb --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1000kb/s --hashlimit-burst 2mb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 1000000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 1000000 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-mode dstport,srcport,dstip,srcip --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-mode srcip,srcport,dstip,dstport --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-mode dstip|srcport --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-mode srcport,dstip --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-mode \"\" --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 24 --hashlimit-dstmask 32 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 24"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 255.255.0.0 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 16"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-size 1024 --hashlimit-htable-max 2048 --hashlimit-htable-gcinterval 1000 --hashlimit-htable-expire 10000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-size 1024 --hashlimit-htable-max 2048 --hashlimit-htable-expire 10000"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-gcinterval 500 --hashlimit-htable-expire 1000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-gcinterval 500"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-htable-expire 60000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-htable-expire 1000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 1000"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/min --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 60"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-rate-match --hashlimit-rate-interval 5 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match --hashlimit-rate-interval 5"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-rate-interval 5 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-name abcdefghijklmnopqrstuvwxyzabcdefg", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name abcdefghijklmnopqrstuvwxyzabcdefg"],
  [4, "-A U -m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 40 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 40 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 60 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1/hour --hashlimit-burst 60 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1/day --hashlimit-burst 1 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1/day --hashlimit-burst 1 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 32 --hashlimit-dstmask 0 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-dstmask 0"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 0x10 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 16"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-size 0 --hashlimit-htable-max 0 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-size 0x10 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-size 16"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 0x10 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 16 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 10k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 10240 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 1k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 1024 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1024 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1500 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 2kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1kb --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 100k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 100kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 3000b/s --hashlimit-burst 10k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 2992b/s --hashlimit-burst 11kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 3000b/s --hashlimit-burst 5000k --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 2992b/s --hashlimit-burst 4mb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1024kb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1mb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 4096mb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 4581298432b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 2000mb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 2047mb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 17b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 16b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 16b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 16b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 15b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 0b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a --hashlimit-rate-match"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-htable-expire 60000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a --hashlimit-htable-expire 60000"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1mb --hashlimit-htable-expire 15000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1mb --hashlimit-name a --hashlimit-htable-expire 15000"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/min --hashlimit-rate-match --hashlimit-rate-interval 60 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 60"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-rate-match --hashlimit-rate-interval 1 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-rate-match --hashlimit-rate-interval 5x --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match --hashlimit-rate-interval 5"],
  [4, "-A U -m hashlimit --hashlimit-upto 3/hour --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 3/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 3600000 --hashlimit-rate-match --hashlimit-rate-interval 3600"],
  [4, "-A U -m hashlimit --hashlimit-upto 7/min --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 7/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-htable-expire 60000 --hashlimit-rate-match --hashlimit-rate-interval 60"],
  [4, "-A U -m hashlimit --hashlimit-upto 5abc/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5.5/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/S --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 5/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-above 1kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name a --hashlimit-rate-match --hashlimit-rate-interval 3", "-A U -m hashlimit --hashlimit-above 1kb/s --hashlimit-burst 1mb --hashlimit-mode dstip --hashlimit-name a --hashlimit-rate-match --hashlimit-rate-interval 3"],
  [4, "-A U -m hashlimit ! --hashlimit 1/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-above 1/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 5000 --hashlimit-htable-expire 60000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 5kb --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 0b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5xb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 0b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 5/sb/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 0b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/sec --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s/x --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-burst 5x --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 0.0.0.0 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 0"],
  [4, "-A U -m hashlimit --hashlimit-upto 1000000/s --hashlimit-rate-match --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 1000000/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-rate-match"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-mode srcip, --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-mode srcip --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-mode ,srcip||dstip --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-mode srcip,dstip --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 99999999999999b/s --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 13743895328b/s --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 2/hour --hashlimit-burst 1000 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 2/hour --hashlimit-burst 1000 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 13/day --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 13/day --hashlimit-burst 5 --hashlimit-name a"],
  [4, "-A U -m hashlimit --hashlimit-upto 90/min --hashlimit-mode srcip,dstport --hashlimit-name \"x\"", "-A U -m hashlimit --hashlimit-upto 90/min --hashlimit-burst 5 --hashlimit-mode srcip,dstport --hashlimit-name x"],
  [6, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 64 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 64"],
  [6, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask ffff:: --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-srcmask 16"],
  [6, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 128 --hashlimit-dstmask 0 --hashlimit-name a", "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a --hashlimit-dstmask 0"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [4, "-A U -m hashlimit --hashlimit-upto 1/day --hashlimit-name a", "RULE_APPEND failed (Numerical result out of range)", "hashlimit: rate 1/day with burst 5 overflows the kernel's credit arithmetic (it refuses it: Numerical result out of range)"],
  [4, "-A U -m hashlimit --hashlimit-upto 1000001/s --hashlimit-name a", "Rate too fast \"1000001/s\"", "Rate too fast \"1000001/s\""],
  [4, "-A U -m hashlimit --hashlimit-upto 5/week --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/week\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/week\""],
  [4, "-A U -m hashlimit --hashlimit-upto 0/s --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"0/s\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"0/s\""],
  [4, "-A U -m hashlimit --hashlimit-upto 512kb/s --hashlimit-burst 1000 --hashlimit-name a", "burst cannot be smaller than 524288b", "burst cannot be smaller than 524288b"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 0 --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 1000001 --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-mode none --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-mode\" option: \"none\"", "hashlimit: Bad value for \"--hashlimit-mode\" option: \"none\""],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-mode foo --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-mode\" option: \"foo\"", "hashlimit: Bad value for \"--hashlimit-mode\" option: \"foo\""],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 33 --hashlimit-name a", "RULE_APPEND failed (Invalid argument)", "hashlimit: --hashlimit-srcmask 33 is longer than an IPv4 address (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec", "hashlimit: option \"--hashlimit-name\" must be specified", "hashlimit: option \"--hashlimit-name\" must be specified"],
  [4, "-A U -m hashlimit --hashlimit-name a", "You have to specify --hashlimit", "You have to specify --hashlimit"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-name \"\"", "Argument must have a minimum length of 1 characters", "Argument must have a minimum length of 1 characters"],
  [4, "-A U -m hashlimit --hashlimit-upto 1/day --hashlimit-burst 2 --hashlimit-name a", "RULE_APPEND failed (Numerical result out of range)", "hashlimit: rate 1/day with burst 2 overflows the kernel's credit arithmetic (it refuses it: Numerical result out of range)"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 129 --hashlimit-name a", "RULE_APPEND failed (Invalid argument)", "hashlimit: --hashlimit-srcmask 129 is longer than an IPv4 address (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-expire 0 --hashlimit-name a", "RULE_APPEND failed (Invalid argument)", "hashlimit: --hashlimit-htable-expire 0 is refused by the kernel (Invalid argument)"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-htable-gcinterval 0 --hashlimit-name a", "RULE_APPEND failed (Invalid argument)", "hashlimit: --hashlimit-htable-gcinterval 0 is refused by the kernel (Invalid argument)"],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 1 --hashlimit-name a", "burst cannot be smaller than 1024b", "burst cannot be smaller than 1024b"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-rate-match --hashlimit-rate-interval 0 --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-rate-interval\" option: \"0\"", "hashlimit: Bad value for \"--hashlimit-rate-interval\" option: \"0\""],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-upto 5/s --hashlimit-name a", "hashlimit: option \"--hashlimit-upto\" can only be used once.", "hashlimit: option \"--hashlimit-upto\" can only be used once."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit 5/s --hashlimit-name a", "hashlimit: option \"--hashlimit-upto\" can only be used once.", "hashlimit: option \"--hashlimit-upto\" can only be used once."],
  [4, "-A U -m hashlimit --hashlimit-upto 5/ --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/\""],
  [4, "-A U -m hashlimit --hashlimit-upto 5/seconds --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/seconds\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"5/seconds\""],
  [4, "-A U -m hashlimit --hashlimit-upto 0kb/s --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"0kb/s\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"0kb/s\""],
  [4, "-A U -m hashlimit --hashlimit-upto b/s --hashlimit-name a", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"b/s\"", "hashlimit: Bad value for \"--hashlimit-upto\" option: \"b/s\""],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-burst 5m --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-burst 1000001k --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-burst 1000000k --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 255.0.255.0 --hashlimit-name a", "RULE_APPEND failed (Invalid argument)", "hashlimit: --hashlimit-srcmask 255.0.255.0 is not a contiguous mask (the kernel refuses it: Invalid argument)"],
  [4, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 4294967296 --hashlimit-name a", "hashlimit: bad value for option \"--hashlimit-srcmask\", neither a valid network mask nor valid CIDR (0-32).", "hashlimit: bad value for option \"--hashlimit-srcmask\", neither a valid network mask nor valid CIDR (0-32)."],
  [4, "-A U -m hashlimit --hashlimit-upto 50/s --hashlimit-burst 2000000 --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [4, "-A U -m hashlimit --hashlimit-upto 1kb/s --hashlimit-burst 2000000 --hashlimit-name a", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000).", "bad value for option \"--hashlimit-burst\", or out of range (1-1000000)."],
  [6, "-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-srcmask 128 --hashlimit-dstmask 129 --hashlimit-name a", "hashlimit: bad value for option \"--hashlimit-dstmask\", neither a valid network mask nor valid CIDR (0-128).", "hashlimit: bad value for option \"--hashlimit-dstmask\", neither a valid network mask nor valid CIDR (0-128)."],
];

describe("hashlimit canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("hashlimit refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("hashlimit arithmetic (libxt_hashlimit)", () => {
  test("packet rates", () => {
    expect(formatRate(20000)).toEqual({ text: "50/sec", quantum: 1000 });
    expect(formatRate(1_000_000)).toEqual({ text: "1/sec", quantum: 1000 });
    expect(formatRate(12_000_000)).toEqual({ text: "5/min", quantum: 60000 });
  });
  test("byte rates", () => {
    expect(costToBytes(bytesToCost(100n))).toBe(96);
    expect(formatBytes(bytesToCost(1024n), 2)).toEqual({ rate: "1kb/s", burst: "2kb", quantum: 60000 });
    // The 32-bit mask in print_bytes: above 4 GiB/s no unit is chosen.
    expect(formatBytes(bytesToCost(4096n * 1024n * 1024n), 0)).toEqual({ rate: "4581298432b/s", quantum: 15000 });
  });
  test("names print raw and are cut to 254 characters", () => {
    const r = roundTrip(4, "filter", `-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-name ${"c".repeat(300)}`);
    expect(r.printed).toEqual([`-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name ${"c".repeat(254)}`]);
    const q = roundTrip(4, "filter", '-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-name "a b"');
    expect(q.printed).toEqual(["-A U -m hashlimit --hashlimit-upto 50/sec --hashlimit-burst 5 --hashlimit-name a b"]);
    expect(q.diagnostics.map((d) => d.code)).toContain("unquoted-name");
  });
});

describe("hashlimit evaluation", () => {
  test("the buckets are unknown", () => {
    expect(evalMatch(4, "filter", "-A U -m hashlimit --hashlimit-upto 60/min --hashlimit-mode srcip --hashlimit-name kube", packet())).toEqual({
      kind: "unknown",
      key: "hashlimit:kube upto 1/sec",
      assumption: "the rate in hashlimit kube (per srcip) is within 1/sec (burst 5)",
    });
    expect(evalMatch(4, "filter", "-A U -m hashlimit --hashlimit-above 1mb/s --hashlimit-name b", packet())).toEqual({
      kind: "unknown",
      key: "hashlimit:b above 1mb/s",
      assumption: "the rate in hashlimit b (for all packets together) is above 1mb/s",
    });
  });
});
