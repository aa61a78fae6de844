#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Guest half of `make demo` (tools/demo.sh runs it in the test VM): load
# qnet, show its socket family, open an AF_QNET socket, unload.
set -euo pipefail

if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	echo "Usage: tools/vm-run -- tools/demo-guest.sh   (inside the VM; uses \$QNET_KO)"
	exit 0
fi

ko=${QNET_KO:-${QNET_TOP:-.}/kernel/qnet.ko}

step() { printf '\n### %s\n' "$*"; }

step "kernel $(uname -r); loading $ko"
insmod "$ko"
grep '^qnet ' /proc/modules

step "AF_QNET family number (/sys/module/qnet/parameters/family)"
family=$(cat /sys/module/qnet/parameters/family)
echo "$family"

step "open an AF_QNET SOCK_SEQPACKET socket"
python3 - "$family" <<'PY'
import os, socket, sys

family = int(sys.argv[1])
s = socket.socket(family, socket.SOCK_SEQPACKET)
fd = s.fileno()
print(f"socket({family}, SOCK_SEQPACKET, 0) = fd {fd} -> {os.readlink(f'/proc/self/fd/{fd}')}")
with open("/proc/net/protocols") as f:
    for line in f:
        if line.startswith("protocol") or "QNET" in line.upper():
            print(line.rstrip())
s.close()
PY

step "unloading"
rmmod qnet
python3 - "$family" <<'PY'
import errno, socket, sys

try:
    socket.socket(int(sys.argv[1]), socket.SOCK_SEQPACKET)
    print("socket() still works after rmmod?!")
    sys.exit(1)
except OSError as e:
    print(f"after rmmod: socket() fails with {errno.errorcode[e.errno]}, as it should")
PY
