#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the YNL spec of the "qnet" genetlink family against the code.

    tools/check-ynl-spec.py [--spec S] [--header H] [--code C]

Cross-checks Documentation/netlink/specs/qnet.yaml with

  * include/uapi/linux/qnet.h: family name, version and multicast group
    defines; every enum the spec defines (definitions, attribute sets,
    operations) has exactly the spec's entries, with the same C names and
    values;
  * kernel/netlink.c: every request op is in the genl_ops table with the
    spec's permission flag, do/dump handlers, pre/post hooks, and a policy
    accepting exactly the attributes the spec lists for its requests, with
    the spec's types and checks (min/max); nested policies match the nested
    attribute sets; the multicast groups match.

Prints TAP (one test per group of checks, diagnostics as "# " lines) and
exits non-zero on a failure. Needs python3-yaml.
"""

import argparse
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("1..0 # SKIP python3-yaml missing (run tools/deps.sh)")
    sys.exit(1)

TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))

NLA_TYPES = {
    "u8": "NLA_U8", "u16": "NLA_U16", "u32": "NLA_U32", "u64": "NLA_U64",
    "s8": "NLA_S8", "s16": "NLA_S16", "s32": "NLA_S32", "s64": "NLA_S64",
    "string": "NLA_NUL_STRING", "flag": "NLA_FLAG", "binary": "NLA_BINARY",
    "nest": "NLA_NESTED",
}


def c_name(name):
    return name.upper().replace("-", "_")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


class Header:
    """Enums and simple #defines of a C header."""

    def __init__(self, path):
        text = strip_comments(open(path).read())
        self.defines = {}
        for m in re.finditer(r"^\s*#define\s+(\w+)\s+(.+?)\s*$", text, re.M):
            self.defines[m.group(1)] = m.group(2)
        self.enums = {}     # enum name -> [(entry, value)]
        self.values = {}    # entry -> value, over all enums
        for m in re.finditer(r"enum\s+(\w*)\s*\{(.*?)\}\s*;", text, re.S):
            entries, nxt = [], 0
            for item in m.group(2).split(","):
                item = item.strip()
                if not item:
                    continue
                if "=" in item:
                    name, expr = (s.strip() for s in item.split("=", 1))
                    nxt = self.eval(expr)
                else:
                    name = item
                entries.append((name, nxt))
                self.values[name] = nxt
                nxt += 1
            self.enums[m.group(1) or "<anonymous>"] = entries

    def eval(self, expr):
        def sub(m):
            word = m.group(0)
            if word in self.values:
                return str(self.values[word])
            if word in self.defines:
                return "(%s)" % self.defines[word]
            return word
        expr = re.sub(r"[A-Za-z_]\w*", sub, expr)
        return int(eval(expr, {"__builtins__": {}}))

    def define_str(self, name):
        val = self.defines.get(name)
        if val is None:
            return None
        m = re.fullmatch(r'"(.*)"', val)
        return m.group(1) if m else val


class Code:
    """The policies, range structs and ops table of kernel/netlink.c."""

    def __init__(self, path, header):
        text = strip_comments(open(path).read())
        self.header = header
        # the link parameter table that QLINK_PARAMS(QLINK_POLICY_GENL)
        # expands in a policy: (ATTR, type, min, max) per row
        params = os.path.join(os.path.dirname(path), "qlink_params.h")
        self.link_params = []
        if os.path.exists(params):
            ptext = strip_comments(open(params).read())
            for m in re.finditer(r"\bX\(\s*\w+\s*,\s*(\w+)\s*,\s*(u8|u32|u64)"
                                 r"\s*,\s*([^,]+?)\s*,\s*([^,]+?)\s*,", ptext):
                self.link_params.append(m.groups())
        self.ranges = {}
        for m in re.finditer(r"struct\s+netlink_range_validation\s+(\w+)"
                             r"\s*=\s*\{(.*?)\}\s*;", text, re.S):
            body = m.group(2)
            self.ranges[m.group(1)] = (
                self._num(re.search(r"\.min\s*=\s*([^,}]+)", body)),
                self._num(re.search(r"\.max\s*=\s*([^,}]+)", body)))
        self.policies = {}
        for m in re.finditer(r"struct\s+nla_policy\s+(\w+)\s*\[[^]]*\]\s*="
                             r"\s*\{(.*?)\n\}\s*;", text, re.S):
            self.policies[m.group(1)] = self._policy(m.group(2))
        self.ops = {}
        m = re.search(r"struct\s+genl_ops\s+\w+\s*\[\s*\]\s*=\s*\{(.*?)\n\}"
                      r"\s*;", text, re.S)
        for body in re.findall(r"\{(.*?)\}", m.group(1) if m else "", re.S):
            op = dict(re.findall(r"\.(\w+)\s*=\s*([^,]+?)\s*,", body + ","))
            if "cmd" in op:
                self.ops[op["cmd"]] = op
        m = re.search(r"struct\s+genl_multicast_group\s+\w+\s*\[\s*\]\s*="
                      r"\s*\{(.*?)\}\s*;", text, re.S)
        self.mcgrps = re.findall(r"\.name\s*=\s*(\w+)", m.group(1) if m else "")
        self.mcgrps = [header.define_str(g) or g for g in self.mcgrps]

    def _const(self, expr):
        return self.header.eval(re.sub(r"(?<=[0-9a-fA-F])[uUlL]+$", "",
                                       expr.strip()))

    def _num(self, m):
        if not m:
            return None
        return self.header.eval(m.group(1).strip())

    def _policy(self, body):
        pol = {}
        if re.search(r"\bQLINK_PARAMS\(\s*QLINK_POLICY_GENL\s*\)", body):
            for attr, typ, lo, hi in self.link_params:
                pol["QNET_LINK_A_" + attr] = {
                    "type": "NLA_" + typ.upper(),
                    "min": self._const(lo), "max": self._const(hi),
                    "nested": None}
        for m in re.finditer(r"\[\s*(\w+)\s*\]\s*=\s*", body):
            start = m.end()
            depth, i = 0, start
            while i < len(body):
                c = body[i]
                if c in "({":
                    depth += 1
                elif c in ")}":
                    depth -= 1
                elif c == "," and depth == 0:
                    break
                i += 1
            pol[m.group(1)] = self._entry(" ".join(body[start:i].split()))
        return pol

    def _entry(self, s):
        """-> dict(type=NLA_*, min=, max=, nested=policy name)"""
        e = {"type": None, "min": None, "max": None, "nested": None}
        m = re.fullmatch(r"\{\s*\.type\s*=\s*(\w+)\s*\}", s)
        if m:
            e["type"] = m.group(1)
            return e
        m = re.fullmatch(r"NLA_POLICY_(RANGE|MIN|MAX)\((\w+),(.*)\)", s)
        if m:
            e["type"] = m.group(2)
            args = [self.header.eval(a) for a in m.group(3).split(",")]
            if m.group(1) == "RANGE":
                e["min"], e["max"] = args
            elif m.group(1) == "MIN":
                e["min"] = args[0]
            else:
                e["max"] = args[0]
            return e
        m = re.fullmatch(r"NLA_POLICY_FULL_RANGE\((\w+),\s*&(\w+)\)", s)
        if m:
            e["type"] = m.group(1)
            e["min"], e["max"] = self.ranges.get(m.group(2), (None, None))
            return e
        m = re.fullmatch(r"NLA_POLICY_NESTED\((\w+)\)", s)
        if m:
            e["type"] = "NLA_NESTED"
            e["nested"] = m.group(1)
            return e
        e["type"] = "?" + s
        return e


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0
        self.diag = []

    def err(self, fmt, *args):
        self.diag.append(fmt % args if args else fmt)

    def result(self, name):
        self.n += 1
        ok = not self.diag
        for d in self.diag:
            print("# " + d)
        print("%s %d %s" % ("ok" if ok else "not ok", self.n, name))
        if not ok:
            self.failed += 1
        self.diag = []


def enum_entries(spec_entries, value_start=0):
    """Spec enum entries -> [(name, value, doc)]"""
    out, nxt = [], value_start
    for e in spec_entries:
        if isinstance(e, str):
            e = {"name": e}
        nxt = e.get("value", nxt)
        out.append((e["name"], nxt))
        nxt += 1
    return out


def check_enum(t, hdr, enum_name, expect, allowed_extra):
    """expect: [(C name, value)]; allowed_extra: C names the header may add."""
    if enum_name not in hdr.enums:
        t.err("enum %s: not in the header", enum_name)
        return
    have = dict(hdr.enums[enum_name])
    for name, val in expect:
        if name not in have:
            t.err("enum %s: %s missing from the header", enum_name, name)
        elif have[name] != val:
            t.err("enum %s: %s is %d in the header, %d in the spec",
                  enum_name, name, have[name], val)
    names = {n for n, _ in expect}
    for name in have:
        if name not in names and name not in allowed_extra:
            t.err("enum %s: %s is in the header but not in the spec",
                  enum_name, name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spec", default=os.path.join(
        TOP, "Documentation/netlink/specs/qnet.yaml"))
    ap.add_argument("--header", default=os.path.join(
        TOP, "include/uapi/linux/qnet.h"))
    ap.add_argument("--code", default=os.path.join(TOP, "kernel/netlink.c"))
    args = ap.parse_args()

    print("TAP version 13")
    print("1..7")
    t = Tap()

    # 1. the spec parses and is complete
    spec = {}
    try:
        spec = yaml.safe_load(open(args.spec))
    except (OSError, yaml.YAMLError) as e:
        t.err("%s: %s", args.spec, e)
    for key in ("name", "doc", "protocol", "attribute-sets", "operations",
                "mcast-groups"):
        if key not in (spec or {}):
            t.err("spec: no %s", key)
    if spec:
        for aset in spec.get("attribute-sets", []):
            for a in aset["attributes"]:
                if a.get("type") != "pad" and not a.get("doc"):
                    t.err("attribute %s/%s has no doc", aset["name"],
                          a["name"])
        for op in spec.get("operations", {}).get("list", []):
            if not op.get("doc"):
                t.err("operation %s has no doc", op["name"])
    t.result("spec parses and documents every attribute and operation")
    if not spec:
        for name in ("family", "definitions", "attribute sets",
                     "operations", "ops table", "policies"):
            t.result(name + " # SKIP no spec")
        return 1

    hdr = Header(args.header)
    code = Code(args.code, hdr)
    sets = {s["name"]: s for s in spec["attribute-sets"]}

    # 2. family name, version, multicast groups
    fam_def = c_name(spec.get("c-family-name", spec["name"] + "-family-name"))
    if hdr.define_str(fam_def) != spec["name"]:
        t.err("%s is %r, the spec's name is %r", fam_def,
              hdr.define_str(fam_def), spec["name"])
    ver_def = c_name(spec.get("c-version-name", spec["name"] +
                              "-family-version"))
    if hdr.define_str(ver_def) != str(spec.get("version", 1)):
        t.err("%s is %r, the spec's version is %r", ver_def,
              hdr.define_str(ver_def), spec.get("version", 1))
    grps = []
    for g in spec["mcast-groups"]["list"]:
        grps.append(g["name"])
        d = c_name(g.get("c-define-name", spec["name"] + "-mcgrp-" +
                         g["name"]))
        if hdr.define_str(d) != g["name"]:
            t.err("%s is %r, the spec's group is %r", d, hdr.define_str(d),
                  g["name"])
    if sorted(grps) != sorted(code.mcgrps):
        t.err("multicast groups: spec %s, code %s", grps, code.mcgrps)
    t.result("family name, version and multicast groups")

    # 3. definitions
    for d in spec.get("definitions", []):
        if d["type"] != "enum":
            continue
        prefix = c_name(d.get("name-prefix", spec["name"] + "-" +
                              d["name"] + "-"))
        ename = d.get("enum-name", spec["name"] + "_" +
                      d["name"].replace("-", "_"))
        expect = [(prefix + c_name(n), v) for n, v in
                  enum_entries(d["entries"], d.get("value-start", 0))]
        extra = set()
        if d.get("render-max"):
            # YNL renders both; a header may define only the count (the
            # spec cannot say so), never a wrong one.
            last = expect[-1][1]
            expect.append(("__" + prefix + "MAX", last + 1))
            if prefix + "MAX" in dict(hdr.enums.get(ename, [])):
                expect.append((prefix + "MAX", last))
        check_enum(t, hdr, ename, expect, extra)
    t.result("definitions match the header's enums")

    # 4. attribute sets
    for aset in spec["attribute-sets"]:
        prefix = c_name(aset.get("name-prefix", spec["name"] + "-" +
                                 aset["name"] + "-a-"))
        ename = aset.get("enum-name", spec["name"] + "_" +
                         aset["name"].replace("-", "_") + "_attrs")
        expect = [(prefix + c_name(n), v) for n, v in
                  enum_entries(aset["attributes"], 1)]
        last = expect[-1][1]
        expect += [(c_name(aset.get("attr-cnt-name", "__" + prefix + "MAX")),
                    last + 1),
                   (c_name(aset.get("attr-max-name", prefix + "MAX")), last)]
        check_enum(t, hdr, ename, expect, {prefix + "UNSPEC"})
        for a in aset["attributes"]:
            if a.get("type") == "nest" and \
                    a.get("nested-attributes") not in sets:
                t.err("%s/%s: unknown nested set %s", aset["name"],
                      a["name"], a.get("nested-attributes"))
            if a.get("enum") and a["enum"] not in \
                    [d["name"] for d in spec.get("definitions", [])]:
                t.err("%s/%s: unknown enum %s", aset["name"], a["name"],
                      a["enum"])
    t.result("attribute sets match the header's enums")

    # 5. operations
    ops = spec["operations"]
    oprefix = c_name(ops.get("name-prefix", spec["name"] + "-cmd-"))
    oname = ops.get("enum-name", spec["name"] + "_cmd")
    expect = [(oprefix + c_name(n), v) for n, v in
              enum_entries(ops["list"], 1)]
    last = expect[-1][1]
    expect += [("__" + oprefix + "MAX", last + 1), (oprefix + "MAX", last)]
    check_enum(t, hdr, oname, expect, {oprefix + "UNSPEC"})
    for op in ops["list"]:
        aset = sets.get(op.get("attribute-set"))
        if not aset:
            t.err("op %s: unknown attribute set", op["name"])
            continue
        names = {a["name"] for a in aset["attributes"]}
        lists = []
        for kind in ("do", "dump"):
            for part in ("request", "reply"):
                lists.append(op.get(kind, {}).get(part, {}).get(
                    "attributes", []))
        lists.append(op.get("event", {}).get("attributes", []))
        for lst in lists:
            for a in lst:
                if a not in names:
                    t.err("op %s: attribute %s not in set %s", op["name"],
                          a, aset["name"])
        if ("event" in op) != ("mcgrp" in op):
            t.err("op %s: events need an mcgrp and only events have one",
                  op["name"])
        if "mcgrp" in op and op["mcgrp"] not in grps:
            t.err("op %s: unknown group %s", op["name"], op["mcgrp"])
    t.result("operations match the header's commands")

    # 6. the ops table of the code
    for op in ops["list"]:
        cmd = oprefix + c_name(op["name"])
        cop = code.ops.get(cmd)
        is_req = "do" in op or "dump" in op
        if not is_req:
            if cop:
                t.err("%s: an event in the spec, an op in the code", cmd)
            continue
        if not cop:
            t.err("%s: not in the code's genl_ops", cmd)
            continue
        if ("do" in op) != ("doit" in cop):
            t.err("%s: do in spec %s, doit in code %s", cmd, "do" in op,
                  "doit" in cop)
        if ("dump" in op) != ("dumpit" in cop):
            t.err("%s: dump in spec %s, dumpit in code %s", cmd,
                  "dump" in op, "dumpit" in cop)
        flags = op.get("flags", [])
        cflags = cop.get("flags", "")
        if ("uns-admin-perm" in flags) != ("GENL_UNS_ADMIN_PERM" in cflags):
            t.err("%s: uns-admin-perm in spec %s, in code %r", cmd,
                  "uns-admin-perm" in flags, cflags)
        if ("admin-perm" in flags) != bool(re.search(r"\bGENL_ADMIN_PERM\b",
                                                      cflags)):
            t.err("%s: admin-perm in spec and code differ", cmd)
        has_pre = "pre" in op.get("do", {})
        if has_pre != ("internal_flags" in cop):
            t.err("%s: pre hook in spec %s, internal_flags in code %s", cmd,
                  has_pre, "internal_flags" in cop)
    for cmd in code.ops:
        if cmd not in [oprefix + c_name(o["name"]) for o in ops["list"]]:
            t.err("%s: in the code but not in the spec", cmd)
    t.result("genl_ops table matches the operations")

    # 7. policies: request attributes, types and checks
    def check_attr(where, a, pent, aprefix):
        ctype = NLA_TYPES.get(a["type"])
        if a["type"] == "string":
            ok = pent["type"] in ("NLA_NUL_STRING", "NLA_STRING")
        else:
            ok = pent["type"] == ctype
        if not ok:
            t.err("%s: type %s in spec, %s in code", where, a["type"],
                  pent["type"])
        chk = a.get("checks", {})
        for k in ("min", "max"):
            sv, cv = chk.get(k), pent[k]
            if k == "min" and sv is None and cv == 0:
                continue
            # a range as wide as the type checks nothing
            bits = {"u8": 8, "u16": 16, "u32": 32, "u64": 64}.get(a["type"])
            if k == "max" and sv is None and bits and cv == (1 << bits) - 1:
                continue
            if sv != cv:
                t.err("%s: check %s is %s in spec, %s in code", where, k, sv,
                      cv)
        if a["type"] == "nest":
            nset = sets[a["nested-attributes"]]
            npol = code.policies.get(pent["nested"])
            if npol is None:
                t.err("%s: nested policy %s not found", where,
                      pent["nested"])
                return
            nprefix = c_name(nset.get("name-prefix", spec["name"] + "-" +
                                      nset["name"] + "-a-"))
            check_policy(where, nset, npol, nprefix,
                         [x["name"] for x in nset["attributes"]
                          if x.get("type") != "pad"])

    def check_policy(where, aset, pol, aprefix, names):
        attrs = {a["name"]: a for a in aset["attributes"]}
        want = {aprefix + c_name(n) for n in names}
        have = set(pol)
        for n in sorted(want - have):
            t.err("%s: spec takes %s, the policy does not", where, n)
        for n in sorted(have - want):
            t.err("%s: the policy takes %s, the spec does not", where, n)
        for n in names:
            cn = aprefix + c_name(n)
            if cn in pol:
                check_attr("%s %s" % (where, cn), attrs[n], pol[cn], aprefix)

    for op in ops["list"]:
        cmd = oprefix + c_name(op["name"])
        cop = code.ops.get(cmd)
        if not cop or not ("do" in op or "dump" in op):
            continue
        aset = sets[op["attribute-set"]]
        aprefix = c_name(aset.get("name-prefix", spec["name"] + "-" +
                                  aset["name"] + "-a-"))
        names = []
        for kind in ("do", "dump"):
            for a in op.get(kind, {}).get("request", {}).get("attributes",
                                                            []):
                if a not in names:
                    names.append(a)
        pol = code.policies.get(cop.get("policy"))
        if pol is None:
            t.err("%s: policy %s not found", cmd, cop.get("policy"))
            continue
        check_policy(cmd, aset, pol, aprefix, names)
    t.result("policies match the request attributes and their checks")

    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
