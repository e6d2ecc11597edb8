#!/bin/sh
# A stand-in for MondoRescue's mondoarchive, which is not packaged anywhere
# this project can reach (not in Debian 12; MondoRescue's repositories are
# out of reach). It honours the documented flags dploy passes: -O (backup),
# -V (accepted, nothing to verify against), -i (ISO media), -N, -G / -L,
# -s SIZE, -d DIR, -p PREFIX, -S SCRATCH, -T TMP, -I "a|b" includes and
# -E "a|b" excludes (pipe-separated, as newer mondo takes them), and writes
# real ISO images with xorriso holding the archived files (one gzip'd tar per
# included path under /archives, as mondo keeps its sets there) and a
# mindi-like boot tree: /vmlinuz, /initrd.img, /isolinux/isolinux.cfg.
# Each run appends its argv, one word a line, to mondoarchive.argv beside
# the directory holding it, for the test to read what dploy ran.
set -eu

log="$(dirname "$(dirname "$0")")/mondoarchive.argv"
{ echo '--- run'; for word in "$@"; do printf '%s\n' "$word"; done; } >>"$log"

backup=0 media='' dest='' prefix=mondorescue size='' scratch=/tmp tmp=/tmp include=/ exclude='' compress=gzip
while [ $# -gt 0 ]; do
  case "$1" in
    -O) backup=1 ;;
    -V | -N) ;;
    -i) media=iso ;;
    -G) compress=gzip ;;
    -L) compress=lzo ;;
    -s) size="$2"; shift ;;
    -d) dest="$2"; shift ;;
    -p) prefix="$2"; shift ;;
    -S) scratch="$2"; shift ;;
    -T) tmp="$2"; shift ;;
    -I) include="$2"; shift ;;
    -E) exclude="$2"; shift ;;
    *) echo "mondoarchive (fake): unknown option $1" >&2; exit 1 ;;
  esac
  shift
done
[ "$backup" = 1 ] || { echo 'mondoarchive (fake): only -O (backup) is done here' >&2; exit 1; }
[ "$media" = iso ] && [ -n "$dest" ] && [ -n "$size" ] || { echo 'mondoarchive (fake): needs -i -d DIR -s SIZE' >&2; exit 1; }
[ "$compress" = gzip ] || { echo 'mondoarchive (fake): only -G is done here' >&2; exit 1; }
[ -d "$scratch" ] && [ -d "$tmp" ] && [ -d "$dest" ] || { echo 'mondoarchive (fake): -S, -T and -d must exist' >&2; exit 1; }

stage="$tmp/stage"
rm -rf "$stage"
mkdir -p "$stage/archives" "$stage/isolinux"
printf 'fake mindi kernel for %s\n' "$prefix" >"$stage/vmlinuz"
printf 'fake mindi initrd for %s\n' "$prefix" >"$stage/initrd.img"
cat >"$stage/isolinux/isolinux.cfg" <<CFG
default interactive
prompt 1
label interactive
  kernel /vmlinuz
  append initrd=/initrd.img load_ramdisk=1 prompt_ramdisk=0 ramdisk_size=36864 rw root=/dev/ram iso_mode interactive
label nuke
  kernel /vmlinuz
  append initrd=/initrd.img load_ramdisk=1 prompt_ramdisk=0 ramdisk_size=36864 rw root=/dev/ram iso_mode nuke
CFG

# An excluded path below an included one is left out of that path's archive (tar names members ./x).
n=0
IFS='
'
for path in $(printf '%s' "$include" | tr '|' '\n'); do
  n=$((n + 1))
  excludes=''
  for ex in $(printf '%s' "$exclude" | tr '|' '\n'); do
    case "$ex" in "${path%/}"/*) excludes="$excludes --exclude=./${ex#"${path%/}"/}" ;; esac
  done
  # shellcheck disable=SC2086 # each exclude is its own word
  tar --create --gzip --sparse --one-file-system --numeric-owner --xattrs --acls -C "$path" $excludes --file "$stage/archives/$n.tar.gz" .
  printf '%s\n' "$path" >"$stage/archives/$n.path"
done

xorriso -as mkisofs -quiet -R -J -V "$prefix" -o "$dest/$prefix-1.iso" "$stage"
rm -rf "$stage"
echo "mondoarchive (fake): $dest/$prefix-1.iso written"
