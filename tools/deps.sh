#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package that building qnet, its VM test bed and its
# tests need, then extract checkpatch.pl (make lint) from linux-source into
# build/ (ignored). Idempotent: a second run installs and extracts nothing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build="$top/build"

pkgs=(
	build-essential bc bison flex libelf-dev libssl-dev dwarves
	pkg-config xz-utils cpio kmod
	qemu-system-x86 busybox-static
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	libmnl-dev libnl-3-dev libnl-genl-3-dev
	iproute2 tcpdump sparse coccinelle
	python3-yaml tshark man-db groff-base
	libgnutls28-dev libmicrohttpd-dev libjansson-dev gnutls-bin curl openssl
	dpkg-dev debhelper dh-dkms dkms lintian fakeroot
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# From linux-source: checkpatch.pl (with the spelling and const_structs
# lists it reads next to itself). The kselftest harness is in the tree
# (selftests/kselftest/); linux-source is also the debug kernel's source.
src_tar=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null | head -n1)
if [ -z "$src_tar" ]; then
	echo "deps: /usr/src/linux-source-6.1.tar.xz missing; install linux-source-6.1" >&2
	exit 1
fi
ext="$build/linux-extract"
if [ ! -f "$ext/.done" ]; then
	rm -rf "$ext"
	mkdir -p "$ext"
	tar -xJf "$src_tar" -C "$ext" --strip-components=1 --wildcards \
		'*/scripts/checkpatch.pl' \
		'*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'
	touch "$ext/.done"
fi
