#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of qnet.lua (`make -C userspace check`): mkframes writes one
# frame of every message type from the structures of
# include/uapi/linux/qnet.h, with the values the dissector must show;
# tshark decodes them with qnet.lua and every field is compared. Prints
# TAP: one test per frame, named by its message type.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "TAP version 13"
if ! command -v tshark >/dev/null || ! command -v python3 >/dev/null; then
	echo "1..0 # SKIP tshark or python3 missing (tools/deps.sh installs them)"
	exit 0
fi
"$dir/mkframes" "$tmp/frames.pcap" >"$tmp/expected.json" || {
	echo "Bail out! mkframes failed"; exit 1; }
# tshark warns on stderr when run as root; that is not a failure
tshark -X lua_script:"$dir/qnet.lua" -r "$tmp/frames.pcap" -T json \
	>"$tmp/decoded.json" 2>"$tmp/stderr" || {
	echo "Bail out! tshark failed: $(cat "$tmp/stderr")"; exit 1; }

python3 - "$tmp/expected.json" "$tmp/decoded.json" <<'PY'
import json, sys

names = {1: "HERALD", 2: "EXPIRE", 16: "CONNECT", 17: "ACCEPT", 18: "REFUSE",
         19: "CLOSE", 20: "REQUEST", 21: "BIND", 22: "TRACK", 23: "DISCARD",
         24: "DELIVER", 25: "PURIFY"}
expected = json.load(open(sys.argv[1]))
decoded = json.load(open(sys.argv[2]))


def flatten(d, out):
    """Every qnet.* field of a layer, wherever the subtrees put it."""
    for k, v in d.items():
        if isinstance(v, dict):
            flatten(v, out)
        elif k.startswith("qnet."):
            out[k] = v
    return out


def num(s):
    return int(s, 16) if s.startswith("0x") else int(s)


print("1..%d" % len(expected))
failed = 0
for i, want in enumerate(expected):
    name = "dissector.%s" % names.get(want["qnet.type"], want["qnet.type"])
    layers = decoded[i]["_source"]["layers"] if i < len(decoded) else {}
    if "qnet" not in layers:
        print("# frame %d: no qnet layer" % (i + 1))
        print("not ok %d %s" % (i + 1, name))
        failed += 1
        continue
    got = flatten(layers["qnet"], {})
    bad = []
    for k, v in want.items():
        if k not in got:
            bad.append("%s missing" % k)
        elif num(got[k]) != v:
            bad.append("%s: %s, expected %d" % (k, got[k], v))
    for b in bad:
        print("# frame %d: %s" % (i + 1, b))
    print("%s %d %s" % ("not ok" if bad else "ok", i + 1, name))
    failed += bool(bad)
print("# %d passed, %d failed" % (len(expected) - failed, failed))
sys.exit(1 if failed else 0)
PY
