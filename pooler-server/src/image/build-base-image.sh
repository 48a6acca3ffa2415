#!/bin/bash
# Builds the base image that Jib puts Pooler on, from this machine's own files, with no registry and no
# container engine: a Java runtime cut by jlink from the build's JDK, the few shared libraries that runtime
# and Pooler's native libraries (Netty epoll, netty-tcnative, JNA) link against, and a non-root user.
# Jib reads the result as a "tar://" base image (a `docker save` tarball: manifest.json, config.json and one
# uncompressed layer).
#
#   build-base-image.sh JAVA_HOME POOLER_JAR MODULES ARCH OUT_DIR
#
# JAVA_HOME must have jmods/ (Debian: openjdk-17-jdk-headless). POOLER_JAR is the shaded jar, read only for
# the native libraries inside it. MODULES is jlink's --add-modules list. ARCH is the image architecture
# (amd64, arm64) and must be this machine's. OUT_DIR/base.tar is the result.
#
# The libraries are found with ldd and copied from this machine, so the image carries this machine's glibc
# (Debian 12's where CI runs). The layer is reproducible: the same JDK and libraries give the same digest.
set -euo pipefail

if [ $# -ne 5 ]; then
    sed -n '2,14p' "$0" >&2
    exit 2
fi
java_home=$1
jar=$2
modules=$3
arch=$4
out=$5

# The user Pooler runs as: numeric, so that Kubernetes' runAsNonRoot can check it without a passwd lookup.
uid=10001
gid=10001

die() {
    echo "build-base-image: $*" >&2
    exit 1
}

[ -d "$java_home/jmods" ] || die "$java_home has no jmods/ to jlink from (Debian: apt-get install openjdk-17-jdk-headless)"
[ -f "$jar" ] || die "$jar is missing: run the package phase first"
command -v ldd >/dev/null || die "ldd is needed to find the shared libraries"

root=$out/rootfs
rm -rf "$out"
mkdir -p "$root"

"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --output "$root/opt/java"

# The native libraries Pooler unpacks at run time come from its jar; only their dependencies matter here.
natives=$out/natives
mkdir -p "$natives"
mapfile -t native_entries < <("$java_home/bin/jar" tf "$jar" | grep '\.so$')
if [ ${#native_entries[@]} -gt 0 ]; then
    (cd "$natives" && "$java_home/bin/jar" xf "$(cd "$(dirname "$jar")" && pwd)/$(basename "$jar")" "${native_entries[@]}")
fi

# Every library an ELF file of the runtime or of the jar needs, as the dynamic loader resolves it here. Files
# for other platforms (the jar has them for several) make ldd fail; they are skipped. libjvm.so is "not found"
# from the runtime's other libraries because the launcher loads it by path.
libraries() {
    find "$root/opt/java" "$natives" -type f \( -name '*.so' -o -path "$root/opt/java/bin/*" \) -print0 |
        while IFS= read -r -d '' elf; do
            ldd "$elf" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' || true
        done | sort -u
}
mapfile -t needed < <(libraries)
[ ${#needed[@]} -gt 0 ] || die "ldd found no libraries for $root/opt/java/bin/java"
runtime=$(cd "$root/opt/java" && pwd -P)
for library in "${needed[@]}"; do
    case "$(readlink -f "$library")" in
        "$runtime"/*) continue ;; # the runtime's own libjli.so and the like
    esac
    mkdir -p "$root$(dirname "$library")"
    cp -L "$library" "$root$library"
    chmod 755 "$root$library"
done
# C.UTF-8, so that the JVM reads and prints UTF-8 (Java 17 takes file.encoding from the locale).
if [ -d /usr/lib/locale/C.utf8 ]; then
    mkdir -p "$root/usr/lib/locale"
    cp -R /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
else
    echo "build-base-image: no /usr/lib/locale/C.utf8 here; the image's JVM will use ASCII" >&2
fi

mkdir -p "$root/etc/pgbouncer" "$root/tmp"
cat > "$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
pooler:x:$uid:$gid:Pooler:/nonexistent:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
EOF
cat > "$root/etc/group" <<EOF
root:x:0:
pooler:x:$gid:
nogroup:x:65534:
EOF
# Without this file glibc asks DNS before /etc/hosts.
cat > "$root/etc/nsswitch.conf" <<EOF
passwd: files
group: files
hosts: files dns
EOF
chmod 1777 "$root/tmp"

# One layer, byte for byte the same for the same inputs: sorted, fixed times, numeric owners.
tar --create --file "$out/layer.tar" --directory "$root" --sort=name --format=gnu \
    --mtime='1970-01-01 00:00:01Z' --owner=0 --group=0 --numeric-owner .

diff_id=$(sha256sum "$out/layer.tar" | cut -d' ' -f1)
cat > "$out/config.json" <<EOF
{"architecture":"$arch","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},"history":[{"created":"1970-01-01T00:00:01Z","created_by":"pooler-server/src/image/build-base-image.sh","comment":"jlink runtime, shared libraries, user pooler ($uid)"}]}
EOF
cat > "$out/manifest.json" <<EOF
[{"Config":"config.json","RepoTags":["pooler-base:local"],"Layers":["layer.tar"]}]
EOF
tar --create --file "$out/base.tar" --directory "$out" --format=gnu --mtime='1970-01-01 00:00:01Z' \
    --owner=0 --group=0 --numeric-owner manifest.json config.json layer.tar
echo "build-base-image: $out/base.tar ($(du -h "$out/layer.tar" | cut -f1) layer, ${#needed[@]} shared libraries)"
