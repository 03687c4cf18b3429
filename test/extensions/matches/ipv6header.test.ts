import { describe, expect, test } from "vitest";
import { canon, evalMatch, packet, roundTrip } from "./helpers.js";

/** [family, input, what iptables-save printed after iptables-restore (iptables 1.8.9, nf_tables)]. */
const CANON: readonly (readonly [4 | 6, string, string])[] = [
  [6, "-A U -m ipv6header --header frag,hop-by-hop --soft -j DROP", "-A U -m ipv6header --header hop-by-hop,ipv6-frag --soft -j DROP"],
  [6, "-A U -m ipv6header --header hop", "-A U -m ipv6header --header hop-by-hop"],
  [6, "-A U -m ipv6header --header ipv6-opts,dst,route,ipv6-route,ah,esp,none,prot,ipv6-nonxt,protocol,auth", "-A U -m ipv6header --header ipv6-opts,ipv6-route,ah,esp,ipv6-nonxt,protocol"],
  [6, "-A U -m ipv6header --header 0,43,44,50,51,59,60,255", "-A U -m ipv6header --header hop-by-hop,ipv6-opts,ipv6-route,ipv6-frag,ah,esp,ipv6-nonxt,protocol"],
  [6, "-A U -m ipv6header ! --header frag", "-A U -m ipv6header ! --header ipv6-frag"],
  [6, "-A U -m ipv6header ! --header frag --soft", "-A U -m ipv6header ! --header ipv6-frag --soft"],
  [6, "-A U -m ipv6header --header ipv6-frag,ipv6-frag", "-A U -m ipv6header --header ipv6-frag"],
  [6, "-A U -m ipv6header --header frag,", "-A U -m ipv6header --header ipv6-frag"],
  [6, "-A U -m ipv6header --header esp,ah,dst,route,frag,hop,none,prot", "-A U -m ipv6header --header hop-by-hop,ipv6-opts,ipv6-route,ipv6-frag,ah,esp,ipv6-nonxt,protocol"],
  [6, "-A U -m ipv6header --header frag,,hop", "-A U -m ipv6header --header hop-by-hop,ipv6-frag"],
  [6, "-A U -m ipv6header --header ,frag", "-A U -m ipv6header --header ipv6-frag"],
  [6, "-A U -m ipv6header --header 255,protocol", "-A U -m ipv6header --header protocol"],
  [6, "-A U -p tcp -m ipv6header --header none", "-A U -p tcp -m ipv6header --header ipv6-nonxt"],
  [6, "-A U -m ipv6header --header IPv6-Frag,ip", "-A U -m ipv6header --header hop-by-hop,ipv6-frag"],
  [6, "-A U -m ipv6header --header HOPOPT", "-A U -m ipv6header --header hop-by-hop"],
  [6, "-A U -m ipv6header --header IPSEC-ESP,IPSEC-AH", "-A U -m ipv6header --header ah,esp"],
  [6, "-A U -m ipv6header --header route", "-A U -m ipv6header --header ipv6-route"],
];

/**
 * [family, input, what iptables-restore answered, our error]: refused by iptables or (RULE_APPEND
 * failed) by the kernel; our message is iptables' own wording where iptables words one.
 */
const REFUSED: readonly (readonly [4 | 6, string, string, string])[] = [
  [6, "-A U -m ipv6header --header 6", "unknown header `6' specified", "unknown header `6' specified"],
  [6, "-A U -m ipv6header --header tcp", "unknown header `6' specified", "unknown header `6' specified"],
  [6, "-A U -m ipv6header --soft", "ipv6header: option \"--header\" must be specified", "ipv6header: option \"--header\" must be specified"],
  [6, "-A U -m ipv6header", "ipv6header: option \"--header\" must be specified", "ipv6header: option \"--header\" must be specified"],
  [6, "-A U -m ipv6header --header HOP", "unknown header `HOP' specified", "unknown header `HOP' specified"],
  [6, "-A U -m ipv6header --header fra", "unknown header `fra' specified", "unknown header `fra' specified"],
  [6, "-A U -m ipv6header --header 256", "unknown header `256' specified", "unknown header `256' specified"],
  [6, "-A U -m ipv6header --header 0x2c", "unknown header `0x2c' specified", "unknown header `0x2c' specified"],
  [6, "-A U -m ipv6header --header \"\"", "ip6t_ipv6header: cannot parse header names", "ip6t_ipv6header: cannot parse header names"],
  [6, "-A U -m ipv6header --header hop-by-hop --header frag", "ipv6header: option \"--header\" can only be used once.", "ipv6header: option \"--header\" can only be used once."],
  [6, "-A U -m ipv6header --header hop-by-hop --soft --soft", "ipv6header: option \"--soft\" can only be used once.", "ipv6header: option \"--soft\" can only be used once."],
  [6, "-A U -m ipv6header --header 043", "unknown header `043' specified", "unknown header `043' specified"],
  [6, "-A U -m ipv6header --header 44x", "unknown header `44x' specified", "unknown header `44x' specified"],
  [6, "-A U -m ipv6header --header ipv6", "unknown header `41' specified", "unknown header `41' specified"],
  [6, "-A U -m ipv6header --header ipv6-icmp", "unknown header `58' specified", "unknown header `58' specified"],
  [6, "-A U -m ipv6header --header 58", "unknown header `58' specified", "unknown header `58' specified"],
  [6, "-A U -m ipv6header --header ipv6-frag,IPV6-FRAG", "unknown header `IPV6-FRAG' specified", "unknown header `IPV6-FRAG' specified"],
  [6, "-A U -m ipv6header --header ,", "ip6t_ipv6header: cannot parse header names", "ip6t_ipv6header: cannot parse header names"],
  [6, "-A U -m ipv6header --header \"hop hop\"", "unknown header `hop hop' specified", "unknown header `hop hop' specified"],
  [6, "-A U -m ipv6header --header ipcomp", "unknown header `108' specified", "unknown header `108' specified"],
];

describe("ipv6header canonical print", () => {
  test.each(CANON)("IPv%s %s", (family, input, expected) => expect(canon(family, "filter", input)).toBe(expected));
});

describe("ipv6header refusals", () => {
  test.each(REFUSED)("IPv%s %s", (family, input, _kernel, ours) => {
    const errors = roundTrip(family, "filter", input).diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
    expect(errors).toContain(ours);
  });
});

describe("ipv6header family and evaluation", () => {
  test("IPv6 only", () => {
    expect(roundTrip(4, "filter", "-A U -m ipv6header --header frag").diagnostics.map((d) => d.message)).toContain(
      "-m ipv6header does not exist for IPv4",
    );
  });
  test("extension headers are not in the packet model", () => {
    expect(evalMatch(6, "filter", "-A U -m ipv6header --header frag,hop --soft", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "ipv6header:hop-by-hop,ipv6-frag soft",
      assumption: "the packet's IPv6 header chain includes hop-by-hop,ipv6-frag",
    });
    expect(evalMatch(6, "filter", "-A U -m ipv6header ! --header none", packet({ family: 6 }))).toEqual({
      kind: "unknown",
      key: "!ipv6header:ipv6-nonxt",
      assumption: "not: the packet's IPv6 header chain is exactly ipv6-nonxt",
    });
  });
});
