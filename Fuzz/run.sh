#!/usr/bin/env bash
# Builds one libFuzzer target and fuzzes it for SECONDS seconds.
#
#   Fuzz/run.sh [SECONDS] [TARGET]    (default 60 s, ParserFuzzer; works from any directory)
#   Fuzz/run.sh --build               (build every target in one go, and fuzz none)
#
# Targets: ParserFuzzer (HTTP1's RequestParser), JSONFuzzer (the JSON target's JSONParser and
# JSONWriter), QueryFuzzer (the list routes' query strings, through GridworkAPI's responder).
#
# Environment:
#   FUZZ_JOBS      parallel fuzzing processes (default: number of cores). With more than one,
#                  libFuzzer runs in fork mode with -ignore_crashes=1, so a crash does not end the
#                  run and every distinct crash found in the time budget is kept. 1 = classic
#                  single-process mode, which stops at the first crash.
#   FUZZ_MAX_LEN   -max_len (default per target: ParserFuzzer 8192, room for every limit plus a
#                  pipelined request; JSONFuzzer 4096; QueryFuzzer 1024).
#   FUZZ_ARGS      extra libFuzzer flags, appended last.
#   FUZZ_ALLOW_STATUS_DIVERGENCE=1
#                  read by the harness: do not report inputs whose every cut ends in an error but
#                  with different statuses (e.g. 414 vs 400); see ParserFuzzer.swift.
#   SWIFT          the swift driver (default: `swift` on PATH, else /opt/swift/usr/bin/swift).
#
# Layout (all under Fuzz/, corpus/ and dicts/ checked in, the rest git-ignored):
#   corpus/TARGET/       seed inputs
#   dicts/TARGET.dict    libFuzzer dictionary
#   corpus-work/TARGET/  the working corpus, seeded from corpus/TARGET and grown by every run
#   artifacts/TARGET/    crash-*/timeout-*/oom-* inputs, and the log of the last run (last-run.log)
#   .build-fuzz/         SwiftPM scratch directory for the sanitized build (shared by all targets)
#
# Exit status: 0 no crash, 1 the fuzzer found a crash (or divergence), 2 build/usage error.
set -euo pipefail

build_only=0
if [ "${1:-}" = "--build" ]; then
    build_only=1
    shift
fi
seconds="${1:-60}"
target="${2:-ParserFuzzer}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 SECONDS [ParserFuzzer|JSONFuzzer|QueryFuzzer]" >&2
    exit 2
fi
case "$target" in
ParserFuzzer) default_max_len=8192 ;;
JSONFuzzer) default_max_len=4096 ;;
QueryFuzzer) default_max_len=1024 ;;
*)
    echo "unknown target $target; one of ParserFuzzer, JSONFuzzer, QueryFuzzer" >&2
    exit 2
    ;;
esac

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="$fuzz_dir/.build-fuzz"
corpus_seed="$fuzz_dir/corpus/$target"
corpus_work="$fuzz_dir/corpus-work/$target"
artifacts="$fuzz_dir/artifacts/$target"
log="$artifacts/last-run.log"

swift_bin="${SWIFT:-}"
if [ -z "$swift_bin" ]; then
    if command -v swift >/dev/null 2>&1; then swift_bin="swift"; else swift_bin="/opt/swift/usr/bin/swift"; fi
fi

jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
max_len="${FUZZ_MAX_LEN:-$default_max_len}"

# -sanitize=fuzzer adds coverage instrumentation to every Swift module (HTTP1 included) and links
# libFuzzer; -parse-as-library because the harnesses have no top-level code. SwiftPM still links
# each executable with `--defsym main=<Target>_main`; each harness defines that symbol and calls
# LLVMFuzzerRunDriver (see Sources/FuzzSupport/FuzzSupport.swift).
build_flags=(
    -c release
    --package-path "$fuzz_dir"
    --scratch-path "$scratch"
    -Xswiftc -sanitize=fuzzer,address
    -Xswiftc -parse-as-library
    -Xswiftc -g
)

if ((build_only)); then
    # One build of the whole package: the three targets share most of their modules.
    echo "==> building every target (release, -sanitize=fuzzer,address)"
    if ! "$swift_bin" build "${build_flags[@]}"; then
        echo "build failed" >&2
        exit 2
    fi
    exit 0
fi

echo "==> building $target (release, -sanitize=fuzzer,address)"
if ! "$swift_bin" build "${build_flags[@]}" --product "$target"; then
    echo "build failed" >&2
    exit 2
fi
binary="$("$swift_bin" build "${build_flags[@]}" --show-bin-path)/$target"

mkdir -p "$corpus_work" "$artifacts"
cp -n "$corpus_seed"/* "$corpus_work"/ 2>/dev/null || true

# The Swift runtime's backtracer would take over libFuzzer's crash signals (and can hang on a
# crashed child); libFuzzer reports the crash and writes the artifact itself.
export SWIFT_BACKTRACE="${SWIFT_BACKTRACE:-enable=no}"

marker="$(mktemp)"
trap 'rm -f "$marker"' EXIT
sleep 1 # so that artifacts of this run are strictly newer than the marker

flags=(
    -max_total_time="$seconds"
    -max_len="$max_len"
    -timeout=10
    -rss_limit_mb=2048
    -dict="$fuzz_dir/dicts/$target.dict"
    -artifact_prefix="$artifacts/"
    -print_final_stats=1
)
if [ "$jobs" -gt 1 ]; then
    flags+=(-fork="$jobs" -ignore_crashes=1)
fi
# shellcheck disable=SC2206
flags+=(${FUZZ_ARGS:-})

echo "==> fuzzing for ${seconds}s with $jobs job(s): $binary ${flags[*]} $corpus_work"
set +e
"$binary" "${flags[@]}" "$corpus_work" 2>&1 | tee "$log"
fuzzer_status="${PIPESTATUS[0]}"
set -e

# The last status line: `#N ... cov: C ft: F ... exec/s: E` (single) or `#N: cov: ...` (fork).
stats="$(grep -E '^#[0-9]+:?[[:space:]].*cov: ' "$log" | tail -n 1 || true)"
execs="$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stats")"
cov="$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<<"$stats")"
ft="$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<<"$stats")"
corp="$(sed -nE 's/.*corp: ([0-9]+).*/\1/p' <<<"$stats")"
execs_per_s="$(sed -nE 's/.*exec\/s: ([0-9]+).*/\1/p' <<<"$stats")"
elapsed="$(sed -nE 's/.* time: ([0-9]+)s.*/\1/p' <<<"$stats")"
# Single-process mode also prints the exact total.
final_execs="$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -n 1)"
[ -n "$final_execs" ] && execs="$final_execs"
# In fork mode the status line's exec/s is the last job's; report the whole run's average instead.
if [ -n "$elapsed" ] && [ "$elapsed" -gt 0 ] && [ -n "$execs" ]; then
    execs_per_s=$((execs / elapsed))
fi

mapfile -t found < <(find "$artifacts" -maxdepth 1 -type f \
    \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' -o -name 'slow-unit-*' \) \
    -newer "$marker" | sort)
crashes=0
for file in "${found[@]}"; do
    case "$(basename "$file")" in slow-unit-*) ;; *) crashes=$((crashes + 1)) ;; esac
done
if [ "$jobs" -le 1 ] && [ "$fuzzer_status" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1 # libFuzzer failed without leaving an artifact (e.g. a crash in initialization)
fi

# One line saying why an input fails: the harness's fatalError message, or a Swift runtime trap
# with the source location of the frame that trapped, or the sanitizer/libFuzzer error.
describe() {
    timeout 120 "$binary" -timeout=10 -rss_limit_mb=2048 "$1" 2>&1 | awk '
        /Fatal error: / { sub(/^.*Fatal error: /, ""); print; found = 1; exit }
        /in Swift runtime failure: / {
            sub(/^.*in Swift runtime failure: /, "Swift runtime failure: "); sub(/ \/<compiler-generated>$/, "")
            message = $0
            if ((getline next_frame) > 0) { n = split(next_frame, parts, " "); sub(/^.*\//, "", parts[n]); message = message " at " parts[n] }
            print message; found = 1; exit
        }
        /ERROR: (AddressSanitizer|LeakSanitizer)|ERROR: libFuzzer: (timeout|out-of-memory)/ {
            sub(/^==[0-9]+== */, ""); print; found = 1; exit
        }
        /ERROR: libFuzzer: / && fallback == "" { fallback = $0; sub(/^==[0-9]+== */, "", fallback) }
        END { if (!found) print (fallback == "" ? "no failure on replay" : fallback) }'
}

if [ "${#found[@]}" -gt 0 ]; then
    # Replay every artifact and group them by the failure (the split offset is masked, so that
    # one bug is one group).
    echo "==> ${#found[@]} artifact(s) from this run, grouped by failure (replay one with: $binary FILE):"
    for file in "${found[@]}"; do
        reason="$(describe "$file" | sed -E 's/split@[0-9]+/split@N/g')"
        printf '%s\t%s\n' "${reason:0:400}" "$file"
    done | sort | awk -F '\t' '
        { count[$1]++; if (!($1 in example)) { example[$1] = $2; order[++n] = $1 } }
        END { for (i = 1; i <= n; i++) printf "  %4d x %s\n         e.g. %s\n", count[order[i]], order[i], example[order[i]] }'
fi

echo "SUMMARY: target=$target executions=${execs:-?} exec/s=${execs_per_s:-?} cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?}" \
    "time=${seconds}s jobs=$jobs crashes=$crashes ($([ "$crashes" -gt 0 ] && echo "CRASHES FOUND, see $artifacts" || echo "no crashes found"))"
[ "$crashes" -eq 0 ] || exit 1
exit 0
