import { expect } from "chai";
import { anyIPv4, anyIPv6, cidr, ethertype, isAnyAddress, overlaps, parseCidr, type Cidr, type CidrResult } from "../config/net";

/** The parsed CIDR of a result that must be valid. */
function valid(text: string): Cidr {
    const result: CidrResult = parseCidr(text);
    if (!result.ok) throw new Error(`expected ${text} to parse, got: ${result.reason}`);
    return result.cidr;
}

/** The reason of a result that must be invalid. */
function reasonOf(text: string): string {
    const result: CidrResult = parseCidr(text);
    if (result.ok) throw new Error(`expected ${text} to be refused, but it parsed as /${result.cidr.prefix}`);
    return result.reason;
}

const missingPrefix = "must be an address with a prefix length, such as 192.0.2.0/24 or 2001:db8::/32";

describe("config/net: parseCidr", () => {
    describe("valid IPv4", () => {
        it("parses a network with its prefix, keeping the text as configured", () => {
            expect(valid("10.42.0.0/24")).to.deep.equal({ text: "10.42.0.0/24", version: 4, prefix: 24, network: 0x0a2a0000n });
        });

        it("parses a host route (/32) and the whole address space (/0)", () => {
            expect(valid("192.0.2.7/32")).to.deep.include({ version: 4, prefix: 32, network: 0xc0000207n });
            expect(valid("0.0.0.0/0")).to.deep.include({ version: 4, prefix: 0, network: 0n });
        });

        it("parses the top of the address space", () => {
            expect(valid("255.255.255.255/32").network).to.equal(0xffffffffn);
            expect(valid("128.0.0.0/1")).to.deep.include({ prefix: 1, network: 0x80000000n });
        });
    });

    describe("valid IPv6", () => {
        it("parses a compressed network", () => {
            expect(valid("2001:db8::/32")).to.deep.equal({
                text: "2001:db8::/32",
                version: 6,
                prefix: 32,
                network: 0x20010db8_0000_0000_0000_0000_0000_0000n,
            });
        });

        it("parses the site's admin network from the dev stack", () => {
            expect(valid("2001:db8:42::/48")).to.deep.include({ version: 6, prefix: 48, network: 0x20010db8_0042_0000_0000_0000_0000_0000n });
        });

        it("parses ::/0, ::1/128, a trailing '::' and a fully written address", () => {
            expect(valid("::/0")).to.deep.include({ version: 6, prefix: 0, network: 0n });
            expect(valid("::1/128")).to.deep.include({ version: 6, prefix: 128, network: 1n });
            expect(valid("1:2:3:4:5:6:7::/112").network).to.equal(0x0001_0002_0003_0004_0005_0006_0007_0000n);
            expect(valid("2001:db8:0:0:0:0:0:1/128").network).to.equal(0x20010db8_0000_0000_0000_0000_0000_0001n);
        });

        it("parses an address with an embedded IPv4 tail", () => {
            expect(valid("::ffff:192.0.2.0/120").network).to.equal(0xffff_c000_0200n);
            expect(valid("64:ff9b::192.0.2.0/120").network).to.equal(0x0064_ff9b_0000_0000_0000_0000_c000_0200n);
        });

        it("accepts upper-case hex digits", () => {
            expect(valid("2001:DB8::/32").network).to.equal(valid("2001:db8::/32").network);
        });
    });

    describe("canonical network: host bits must be zero", () => {
        it("refuses IPv4 host bits and names the network", () => {
            expect(reasonOf("10.42.0.1/24")).to.equal("host bits are set; the network is 10.42.0.0/24");
            expect(reasonOf("10.0.0.1/8")).to.equal("host bits are set; the network is 10.0.0.0/8");
            expect(reasonOf("192.0.2.255/25")).to.equal("host bits are set; the network is 192.0.2.128/25");
        });

        it("refuses any IPv4 address but 0.0.0.0 with /0", () => {
            expect(reasonOf("1.0.0.0/0")).to.equal("host bits are set; the network is 0.0.0.0/0");
        });

        it("refuses IPv6 host bits and names the network", () => {
            expect(reasonOf("2001:db8::1/32")).to.equal("host bits are set; the network is 2001:db8::/32");
            expect(reasonOf("2001:db8:8000::/32")).to.equal("host bits are set; the network is 2001:db8::/32");
            expect(reasonOf("::ffff:192.0.2.1/120")).to.equal("host bits are set; the network is ::ffff:c000:200/120");
        });

        it("accepts a network whose last set bit is exactly at the prefix", () => {
            expect(valid("2001:db8:8000::/33").prefix).to.equal(33);
            expect(valid("::ffff:192.0.2.128/121").prefix).to.equal(121);
            expect(valid("10.42.0.128/25").prefix).to.equal(25);
        });

        it("names a network that parses itself", () => {
            for (const text of ["10.42.0.1/24", "2001:db8::1/32", "2001:db8:42:1::1/48"]) {
                const named = reasonOf(text).replace("host bits are set; the network is ", "");
                expect(parseCidr(named).ok, `${text} -> ${named}`).to.equal(true);
            }
        });
    });

    describe("bad prefix length", () => {
        it("refuses a prefix longer than the family allows", () => {
            expect(reasonOf("10.0.0.0/33")).to.equal("prefix length /33 is longer than /32");
            expect(reasonOf("2001:db8::/129")).to.equal("prefix length /129 is longer than /128");
        });

        it("refuses a prefix of more than three digits, a negative one and a netmask", () => {
            expect(reasonOf("10.0.0.0/1234")).to.equal(missingPrefix);
            expect(reasonOf("10.0.0.0/-1")).to.equal(missingPrefix);
            expect(reasonOf("192.168.1.0/255.255.255.0")).to.equal(missingPrefix);
        });
    });

    describe("garbage", () => {
        it("refuses something that is not an address, naming it", () => {
            expect(reasonOf("foo/24")).to.equal('"foo" is not an IPv4 or IPv6 address');
            expect(reasonOf("10.0.0.256/32")).to.equal('"10.0.0.256" is not an IPv4 or IPv6 address');
            expect(reasonOf("2001:db8:::/48")).to.equal('"2001:db8:::" is not an IPv4 or IPv6 address');
            expect(reasonOf("storm.example.org/24")).to.equal('"storm.example.org" is not an IPv4 or IPv6 address');
        });

        it("refuses text that is not address/prefix at all", () => {
            for (const text of ["", "garbage", "/24", "10.0.0.0/", "10.0.0.0/8/8", " 10.0.0.0/8", "10.0.0.0/8 ", "10.0.0.0 /8"]) {
                expect(reasonOf(text), JSON.stringify(text)).to.equal(missingPrefix);
            }
        });
    });

    describe("missing prefix", () => {
        it("refuses a bare address of either family", () => {
            expect(reasonOf("10.42.0.0")).to.equal(missingPrefix);
            expect(reasonOf("2001:db8::")).to.equal(missingPrefix);
        });
    });

    it("refuses an IPv6 address with a zone index instead of throwing or dropping it", () => {
        for (const text of ["fe80::%eth0/64", "fe80::1%eth0/128"]) {
            let result: CidrResult | undefined;
            expect(() => (result = parseCidr(text)), text).not.to.throw();
            expect(result?.ok, text).to.equal(false);
        }
    });
});

describe("config/net: cidr", () => {
    it("returns the parsed CIDR of a valid text", () => {
        expect(cidr("10.42.0.0/24")).to.deep.equal(valid("10.42.0.0/24"));
    });

    it("throws with the reason on an invalid one (a programming error after validation)", () => {
        expect(() => cidr("10.42.0.1/24")).to.throw("invalid CIDR 10.42.0.1/24: host bits are set; the network is 10.42.0.0/24");
    });
});

describe("config/net: overlaps", () => {
    it("holds for the same network", () => {
        expect(overlaps(cidr("10.42.0.0/24"), cidr("10.42.0.0/24"))).to.equal(true);
        expect(overlaps(cidr("2001:db8::/32"), cidr("2001:db8::/32"))).to.equal(true);
    });

    it("holds for nested networks, either way round", () => {
        expect(overlaps(cidr("10.0.0.0/8"), cidr("10.42.0.0/24"))).to.equal(true);
        expect(overlaps(cidr("10.42.0.0/24"), cidr("10.0.0.0/8"))).to.equal(true);
        expect(overlaps(cidr("2001:db8::/32"), cidr("2001:db8:42::/48"))).to.equal(true);
        expect(overlaps(cidr("2001:db8:42::/48"), cidr("2001:db8::/32"))).to.equal(true);
        expect(overlaps(cidr("0.0.0.0/0"), cidr("192.0.2.7/32"))).to.equal(true);
        expect(overlaps(cidr("::/0"), cidr("2001:db8::1/128"))).to.equal(true);
    });

    it("does not hold for disjoint networks", () => {
        expect(overlaps(cidr("10.0.0.0/16"), cidr("10.1.0.0/16"))).to.equal(false);
        expect(overlaps(cidr("192.0.2.0/25"), cidr("192.0.2.128/25"))).to.equal(false);
        expect(overlaps(cidr("2001:db8:42::/48"), cidr("2001:db8:43::/48"))).to.equal(false);
    });

    it("never holds across families, even for the any-address networks or a mapped IPv4 network", () => {
        expect(overlaps(cidr("0.0.0.0/0"), cidr("::/0"))).to.equal(false);
        expect(overlaps(cidr("::/0"), cidr("10.0.0.0/8"))).to.equal(false);
        expect(overlaps(cidr("::ffff:10.0.0.0/104"), cidr("10.0.0.0/8"))).to.equal(false);
    });
});

describe("config/net: isAnyAddress", () => {
    it("is true for 0.0.0.0/0 and ::/0 only", () => {
        expect(isAnyAddress(cidr(anyIPv4))).to.equal(true);
        expect(isAnyAddress(cidr(anyIPv6))).to.equal(true);
        expect(anyIPv4).to.equal("0.0.0.0/0");
        expect(anyIPv6).to.equal("::/0");
    });

    it("is false for any narrower network, even a /1", () => {
        for (const text of ["0.0.0.0/1", "128.0.0.0/1", "10.0.0.0/8", "::/1", "2001:db8::/32", "0.0.0.0/32", "::/128"]) {
            expect(isAnyAddress(cidr(text)), text).to.equal(false);
        }
    });
});

describe("config/net: ethertype", () => {
    it("is IPv4 or IPv6 after the family", () => {
        expect(ethertype(cidr("192.0.2.0/24"))).to.equal("IPv4");
        expect(ethertype(cidr("0.0.0.0/0"))).to.equal("IPv4");
        expect(ethertype(cidr("2001:db8:42::/48"))).to.equal("IPv6");
        expect(ethertype(cidr("::ffff:192.0.2.0/120"))).to.equal("IPv6");
    });
});
