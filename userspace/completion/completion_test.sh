#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host test of the bash completions (`make -C userspace check`): source
# each file into this shell, fill COMP_WORDS/COMP_CWORD as bash does for a
# command line and compare COMPREPLY. `ip` is a function here, so netns
# and qlink names come from canned output, not from the machine. TAP.
set -u

dir=$(cd "$(dirname "$0")" && pwd)
n=0
failed=0

# the machine as the completions see it: netns alice and bob, qlinks
# ql0 and ql1 in the current netns and qb0 in bob
ip() {
	case "$*" in
	"netns list") printf 'alice (id: 0)\nbob\n' ;;
	"-o link show type qlink")
		printf '5: ql0@ql1: <BROADCAST> mtu 1500\n6: ql1@ql0: <BROADCAST> mtu 1500\n' ;;
	"-n bob -o link show type qlink")
		printf '7: qb0@if3: <BROADCAST> mtu 1500\n' ;;
	esac
}

# check FUNC "WANT" WORD...: completing the last WORD (may be empty)
check() {
	local func=$1 want=$2 got
	shift 2
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	"$func"
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | xargs)
	want=$(printf '%s\n' $want | sort | xargs)
	n=$((n + 1))
	if [ "$got" = "$want" ]; then
		echo "ok $n completion: $*|"
	else
		echo "not ok $n completion: $*|"
		echo "#   want: $want"
		echo "#   got:  $got"
		failed=$((failed + 1))
	fi
}

echo "TAP version 13"
# shellcheck source=/dev/null
. "$dir/qnetctl" && . "$dir/qnet-topo" || { echo "Bail out! sourcing failed"; exit 1; }
complete -p qnetctl | grep -q _qnetctl || echo "Bail out! qnetctl not registered"
complete -p qnet-topo | grep -q _qnet_topo || echo "Bail out! qnet-topo not registered"

check _qnetctl "node link route stats monitor model help" qnetctl ""
check _qnetctl "link" qnetctl -j -s li
check _qnetctl "--netns" qnetctl --n
check _qnetctl "alice bob" qnetctl -n ""
check _qnetctl "add del set show help" qnetctl -n bob link ""
check _qnetctl "ql0 ql1" qnetctl link set ""
check _qnetctl "qb0" qnetctl -n bob link show ""
check _qnetctl "scheme seed slots source-fidelity" qnetctl link set ql0 length 25km s
check _qnetctl "seed slots source-fidelity" qnetctl link set ql0 scheme direct s
check _qnetctl "single-click double-click direct" qnetctl link set ql0 scheme ""
check _qnetctl "on off" qnetctl link set ql0 continuous ""
check _qnetctl "" qnetctl link set ql0 length ""
check _qnetctl "" qnetctl link add ""
check _qnetctl "peer peer-netns" qnetctl link add ql0 pe
check _qnetctl "alice bob" qnetctl link add ql0 peer ql1 peer-netns ""
check _qnetctl "dev metric" qnetctl route add 3 ""
check _qnetctl "add replace append del show get help" qnetctl route ""
check _qnetctl "dev metric" qnetctl route append default ""
check _qnetctl "default" qnetctl route replace ""
check _qnetctl "dev metric" qnetctl route replace default ""
check _qnetctl "ql0 ql1" qnetctl route add 3 dev ""
check _qnetctl "dev" qnetctl stats show ""
check _qnetctl "addr bsm-eff gate-err readout-err seed" qnetctl node set ""
check _qnetctl "" qnetctl node set bsm-eff ""
check _qnetctl "gate-err" qnetctl node set bsm-eff 50% g
check _qnetctl "dejmps bbpssw" qnetctl model link hops 2 proto ""
check _qnetctl "hops" qnetctl model link length 25km ho
check _qnetctl "predict proto purify" qnetctl model p
check _qnetctl "scheme seed slots source-fidelity" qnetctl model predict -n 100 s
check _qnetctl "min-fidelity" qnetctl model predict hops 2 mi

check _qnet_topo "up down routes gen -h --help" qnet-topo ""
check _qnet_topo "chain star grid" qnet-topo gen ""
check _qnet_topo "" qnet-topo gen grid 3 ""
check _qnet_topo "length" qnet-topo gen grid 3 3 le
check _qnet_topo "scheme seed slots source-fidelity" qnet-topo gen chain 4 length 10km s
check _qnet_topo "single-click double-click direct" qnet-topo gen star 5 scheme ""
cd "$dir" && check _qnet_topo "qnetctl qnet-topo" qnet-topo up qn

echo "1..$n"
echo "# $((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
