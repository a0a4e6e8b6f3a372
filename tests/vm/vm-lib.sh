# shellcheck shell=bash
# vm-lib.sh: sourced by tests/vm/run.sh, tests/vm/bench and
# scripts/demo-vsock.sh. Fetches and caches a Debian cloud kernel with its
# vsock modules, builds a busybox initramfs holding the tools, and boots it
# under qemu (TCG, one vCPU) so that the tools meet a real AF_VSOCK stack over
# vsock_loopback (CID 1), which the host kernel may not have.
#
# Knobs (environment): HV_VM_CACHE (kernel cache dir), HV_VM_QEMU (qemu
# binary), HV_VM_MEM (guest memory, default 1024M), HV_VM_ACCEL (default tcg),
# HV_VM_QEMU_ARGS (more qemu options, split on blanks; tests/vm/bench puts
# -icount there). VM_EXTRA_PROGS (a variable the caller sets): more
# executables for the guest's /bin, each with its shared libraries.

VM_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_KPKG_META=linux-image-cloud-amd64
VM_MODULES="vsock vmw_vsock_virtio_transport_common vsock_loopback vsock_diag"

vm_say() { printf '%s\n' "vm: $*" >&2; }

# is_dynamic FILE: does FILE need shared libraries? (ldd says "statically
# linked" or "not a dynamic executable" for the others)
is_dynamic() {
    ldd "$1" 2>/dev/null | grep -q '=>'
}

# The kernel package the metapackage points at, from the local apt lists.
vm_resolve_kpkg() {
    apt-cache depends "$VM_KPKG_META" 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}

# vm_fetch_kernel CACHE: make sure CACHE/<pkg>/ holds vmlinuz and the vsock
# modules (uncompressed); sets VM_KERNEL and VM_MODDIR. Serialised with a
# lock so that parallel ctest cases fetch once. Returns 1 if no kernel can be
# had (no apt, no network, nothing cached).
vm_fetch_kernel() {
    local cache=$1 pkg dir
    mkdir -p "$cache" || return 1
    exec 8>"$cache/.lock"
    flock -w 900 8 || { vm_say "cannot lock $cache"; exec 8>&-; return 1; }
    pkg=""
    if command -v apt-cache >/dev/null 2>&1; then
        pkg=$(vm_resolve_kpkg)
        if [ -z "$pkg" ] && [ "$(id -u)" = 0 ]; then
            vm_say "$VM_KPKG_META not resolvable: apt-get update"
            apt-get -o DPkg::Lock::Timeout=600 -qq update >&2 || true
            pkg=$(vm_resolve_kpkg)
        fi
    fi
    if [ -n "$pkg" ] && [ ! -f "$cache/$pkg/.complete" ] &&
       ! vm_fetch_unpack "$cache" "$pkg"; then
        pkg=""
    fi
    if [ -z "$pkg" ]; then
        # offline: take a kernel an earlier run cached
        dir=$(ls -d "$cache"/linux-image-*/.complete 2>/dev/null | tail -n 1)
        [ -z "$dir" ] || pkg=$(basename "$(dirname "$dir")")
        [ -z "$pkg" ] || vm_say "using the cached $pkg"
    fi
    if [ -z "$pkg" ]; then
        vm_say "no kernel: cannot resolve or download $VM_KPKG_META, nothing cached in $cache"
        exec 8>&-
        return 1
    fi
    dir=$cache/$pkg
    exec 8>&-
    VM_KERNEL=$dir/vmlinuz
    VM_MODDIR=$dir/modules
    VM_KPKG=$pkg
    return 0
}

vm_fetch_unpack() {
    local cache=$1 pkg=$2 dir=$1/$2 tmp deb m src
    tmp=$(mktemp -d "$cache/dl.XXXXXX") || return 1
    vm_say "downloading $pkg"
    if ! (cd "$tmp" && apt-get -o DPkg::Lock::Timeout=600 -o APT::Sandbox::User=root -qq download "$pkg") >&2; then
        vm_say "apt-get download $pkg failed"
        rm -rf "$tmp"
        return 1
    fi
    deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n 1)
    if [ -z "$deb" ] || ! dpkg-deb -x "$deb" "$tmp/x"; then
        vm_say "cannot unpack $pkg"
        rm -rf "$tmp"
        return 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir/modules"
    cp "$tmp"/x/boot/vmlinuz-* "$dir/vmlinuz" || { rm -rf "$tmp"; return 1; }
    for m in $VM_MODULES; do
        src=$(find "$tmp/x" -path '*/kernel/net/vmw_vsock/*' \
              -name "$m.ko*" 2>/dev/null | head -n 1)
        case $src in
        "") vm_say "$pkg has no $m module"; rm -rf "$tmp"; return 1 ;;
        *.ko) cp "$src" "$dir/modules/$m.ko" ;;
        *.ko.xz) xz -dc "$src" >"$dir/modules/$m.ko" ;;
        *.ko.zst) zstd -qdc "$src" >"$dir/modules/$m.ko" ;;
        *.ko.gz) gzip -dc "$src" >"$dir/modules/$m.ko" ;;
        *) vm_say "unknown module format: $src"; rm -rf "$tmp"; return 1 ;;
        esac || { vm_say "cannot decompress $src"; rm -rf "$tmp"; return 1; }
    done
    rm -rf "$tmp"
    echo "$pkg" >"$dir/.complete"
}

# vm_copy_prog ROOT PROG: copy an executable into ROOT/bin together with
# the shared libraries and the loader it needs, at their own paths.
vm_copy_prog() {
    local root=$1 prog=$2 lib
    cp -L "$prog" "$root/bin/" || return 1
    for lib in $(ldd "$prog" 2>/dev/null |
                 sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (0x.*/\1/p'); do
        mkdir -p "$root$(dirname "$lib")"
        [ -e "$root$lib" ] || cp -L "$lib" "$root$lib" || return 1
    done
}

# vm_check_tools TOOLDIR: hvcat and hvlisten there, statically linked.
vm_check_tools() {
    local t
    for t in hvcat hvlisten; do
        [ -x "$1/$t" ] || { vm_say "no $1/$t"; return 1; }
        if is_dynamic "$1/$t"; then
            vm_say "$1/$t is not statically linked"
            return 1
        fi
    done
}

# vm_build_initramfs OUT TOOLDIR: an uncompressed newc cpio with busybox,
# the static hvcat/hvlisten from TOOLDIR, socat (if installed) with its
# libraries, the vsock modules and the guest scripts.
vm_build_initramfs() {
    local out=$1 tools=$2 root bb t
    bb=$(command -v busybox) || { vm_say "busybox not found"; return 1; }
    vm_check_tools "$tools" || return 1
    root=$(mktemp -d "${out}.root.XXXXXX") || return 1
    mkdir -p "$root"/bin "$root"/dev "$root"/proc "$root"/sys "$root"/tmp \
             "$root"/modules "$root"/etc || return 1
    cp -L "$bb" "$root/bin/busybox" &&
        cp "$tools/hvcat" "$tools/hvlisten" "$root/bin/" &&
        { [ ! -x "$tools/hvgen" ] || cp "$tools/hvgen" "$root/bin/"; } &&
        { [ ! -x "$tools/sdlaunch" ] || cp "$tools/sdlaunch" "$root/bin/"; } &&
        { [ ! -x "$tools/hvmux" ] || cp "$tools/hvmux" "$root/bin/"; } &&
        cp "$VM_MODDIR"/*.ko "$root/modules/" &&
        cp "$VM_LIB_DIR/guest/init" "$root/init" &&
        cp "$VM_LIB_DIR"/guest/*.sh "$root/bin/" &&
        chmod 755 "$root/init" || { rm -rf "$root"; return 1; }
    if is_dynamic "$bb"; then
        vm_copy_prog "$root" "$bb" || { rm -rf "$root"; return 1; }
    fi
    if command -v socat >/dev/null 2>&1; then
        vm_copy_prog "$root" "$(command -v socat)" || { rm -rf "$root"; return 1; }
    fi
    for t in ${VM_EXTRA_PROGS:-}; do
        vm_copy_prog "$root" "$t" || { rm -rf "$root"; return 1; }
    done
    (cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$out"
    t=$?
    rm -rf "$root"
    return $t
}

# vm_boot INITRAMFS LOG TIMEOUT ARGS...: boot the guest with ARGS appended
# to the kernel command line (hvvm.mode=..., hvvm.cases=...), console to LOG.
# The guest powers off when done; qemu's own exit status means nothing (a
# panicking guest exits 0 as well): callers read the result lines in LOG.
vm_boot() {
    local initrd=$1 log=$2 limit=$3 qemu mem accel
    shift 3
    qemu=${HV_VM_QEMU:-qemu-system-x86_64}
    mem=${HV_VM_MEM:-1024M}
    accel=${HV_VM_ACCEL:-tcg}
    # shellcheck disable=SC2086 # HV_VM_QEMU_ARGS is a list of options
    timeout -k 10 "$limit" "$qemu" -accel "$accel" -smp 1 -m "$mem" \
        ${HV_VM_QEMU_ARGS:-} \
        -display none -monitor none -serial stdio -no-reboot -nodefaults \
        -kernel "$VM_KERNEL" -initrd "$initrd" \
        -append "console=ttyS0 panic=-1 quiet loglevel=1 $*" \
        </dev/null 2>&1 | tr -d '\r' >"$log"
    return "${PIPESTATUS[0]}"
}

# vm_prepare TOOLDIR CACHE WORKDIR: everything needed before vm_boot, the
# initramfs as WORKDIR/initrd.cpio. Returns 2 when a prerequisite (qemu,
# busybox, a kernel) is not to be had, 1 on any other failure.
vm_prepare() {
    local tools=$1 cache=$2 work=$3
    vm_check_tools "$tools" || return 1
    if ! command -v "${HV_VM_QEMU:-qemu-system-x86_64}" >/dev/null 2>&1; then
        vm_say "no ${HV_VM_QEMU:-qemu-system-x86_64} (Debian: qemu-system-x86)"
        return 2
    fi
    if ! command -v busybox >/dev/null 2>&1; then
        vm_say "no busybox (Debian: busybox-static)"
        return 2
    fi
    vm_fetch_kernel "$cache" || return 2
    vm_build_initramfs "$work/initrd.cpio" "$tools" || {
        vm_say "cannot build the initramfs"
        return 1
    }
}
