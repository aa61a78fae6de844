#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) a small debug kernel for the VM test bed: tinyconfig +
# kernel/configs/kvm_guest.config + tools/debug-kernel.config (KASAN, lockdep,
# kmemleak, virtio/9p built in). The result is cached in build/debug-kernel/
# and rebuilt only when the fragment, this script or the source tarball
# change. See Documentation/testing.rst.
set -euo pipefail

usage() {
	cat <<EOF
Usage: tools/debug-kernel.sh [--force] [--jobs N] [--print]

Build the qnet debug kernel from /usr/src/linux-source-6.1.tar.xz into
build/debug-kernel/linux (about 10 min with 2 CPUs; cached afterwards).

  --force    rebuild even if the cached kernel is up to date
  --jobs N   parallel make jobs (default: number of CPUs)
  --print    only print the paths (bzImage, vmlinux, tree) if up to date;
             exit 1 if the kernel needs building
  -h, --help this text

Prints, on success, the bzImage path on the last line of stdout.
EOF
}

top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/build/debug-kernel"
src="$out/linux"
frag="$top/tools/debug-kernel.config"
src_tar=/usr/src/linux-source-6.1.tar.xz
jobs=$(nproc)
force=0
print_only=0

# Options without which the debug kernel is pointless, or cannot boot the
# test bed: missing any of these is fatal.
required=(KASAN KASAN_INLINE PROVE_LOCKING DEBUG_KMEMLEAK DEBUG_ATOMIC_SLEEP
	  MODULES MODULE_UNLOAD 9P_FS NET_9P_VIRTIO VIRTIO_PCI DEVTMPFS TMPFS
	  SERIAL_8250_CONSOLE BLK_DEV_INITRD BUG PRINTK DEBUG_FS)

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit 1; }

while [ $# -gt 0 ]; do
	case "$1" in
	--force) force=1 ;;
	--jobs) jobs=${2:?--jobs needs a number}; shift ;;
	--print) print_only=1 ;;
	-h|--help) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
	shift
done

# The cache key: the fragment and the source tarball. (Not this script:
# edits to it rarely change the kernel; use --force after such an edit.)
stamp_key() {
	{
		sha256sum <"$frag"
		stat -c '%s %Y' "$src_tar"
	} | sha256sum | cut -d' ' -f1
}

bzimage="$src/arch/x86/boot/bzImage"

print_paths() {
	echo "tree:    $src"
	echo "vmlinux: $src/vmlinux"
	echo "release: $(cat "$out/kernelrelease")"
	echo "bzImage: $bzimage"
	echo "$bzimage"
}

[ -f "$src_tar" ] || { log "$src_tar missing: apt-get install linux-source-6.1"; exit 2; }

key=$(stamp_key)
if [ "$force" = 0 ] && [ -f "$bzimage" ] && [ -f "$out/stamp" ] &&
   [ "$(cat "$out/stamp")" = "$key" ]; then
	log "up to date (delete $out/stamp or use --force to rebuild)"
	print_paths
	exit 0
fi
[ "$print_only" = 1 ] && { log "not built yet or out of date"; exit 1; }

# One build at a time in the tree: two makes there corrupt each other.
mkdir -p "$out"
exec 9>"$out/.lock"
if ! flock -n 9; then
	log "another debug kernel build is running; waiting for it"
	flock 9
	# It may have built just what we want.
	if [ "$force" = 0 ] && [ -f "$bzimage" ] && [ -f "$out/stamp" ] &&
	   [ "$(cat "$out/stamp")" = "$key" ]; then
		print_paths
		exit 0
	fi
fi

for tool in gcc make bc flex bison lz4 xz; do
	command -v "$tool" >/dev/null ||
		{ log "$tool missing: run tools/deps.sh (or make deps)"; exit 2; }
done
[ -f /usr/include/libelf.h ] || { log "libelf.h missing: apt-get install libelf-dev"; exit 2; }

mkdir -p "$out"
rm -f "$out/stamp"
start=$(date +%s)

# Extract the full source once; it is reused by rebuilds (the tarball's
# identity is part of .extracted so a new linux-source re-extracts).
tar_id=$(stat -c '%s %Y' "$src_tar")
if [ ! -f "$src/.extracted" ] || [ "$(cat "$src/.extracted")" != "$tar_id" ]; then
	log "extracting $src_tar"
	rm -rf "$src"
	mkdir -p "$src"
	tar -xJf "$src_tar" -C "$src" --strip-components=1
	echo "$tar_id" >"$src/.extracted"
fi

kmake() { make -C "$src" ARCH=x86_64 "$@"; }

log "configuring (tinyconfig + kvm_guest.config + $(basename "$frag"))"
kmake -s tinyconfig >/dev/null
(cd "$src" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O . .config \
	kernel/configs/kvm_guest.config "$frag" >/dev/null)
kmake -s olddefconfig >/dev/null

# Kconfig silently drops options whose dependencies are not met: check that
# every option the fragment asks for is really there.
missing=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF -- "$line" "$src/.config" || missing+=("$line")
		;;
	"# CONFIG_"*" is not set")
		opt=${line#\# }; opt=${opt%% *}
		grep -q "^$opt=[ym]" "$src/.config" && missing+=("$line")
		;;
	esac
done <"$frag"
if [ ${#missing[@]} -gt 0 ]; then
	log "options from the fragment that did not make it into .config:"
	printf '  %s\n' "${missing[@]}" >&2
fi
fatal=0
for opt in "${required[@]}"; do
	grep -qx "CONFIG_$opt=y" "$src/.config" ||
		{ log "FATAL: CONFIG_$opt is not =y"; fatal=1; }
done
[ "$fatal" = 0 ] || exit 1

log "building with make -j$jobs (log: $out/build.log)"
if ! kmake -j"$jobs" all >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log" >&2
	die "build failed; full log in $out/build.log"
fi
kmake -s kernelrelease >"$out/kernelrelease"
echo "$key" >"$out/stamp"
log "built $(cat "$out/kernelrelease") in $(( $(date +%s) - start )) s"
print_paths
