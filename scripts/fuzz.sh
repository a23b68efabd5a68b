#!/usr/bin/env bash
# CI's fuzzing step: builds every libFuzzer target under Fuzz/ in one build (release,
# -sanitize=fuzzer,address, in its own scratch path Fuzz/.build-fuzz), then fuzzes each for SECONDS
# seconds, one process each.
# Fails (exit 1) when any target leaves a crash, timeout or out-of-memory input; the input is in
# Fuzz/artifacts/TARGET/ and Fuzz/run.sh has already replayed it and printed why it fails.
#
#   scripts/fuzz.sh [SECONDS]      (default 20 per target)
#
# Single-process mode (FUZZ_JOBS=1) stops a target at its first crash, which is what CI wants,
# and leaves the machine's other core to whatever else runs. The working corpora under
# Fuzz/corpus-work/ persist between runs, so each run starts where the last one stopped.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-20}"
if ! [[ "$seconds" =~ ^[0-9]+$ ]] || [ "$seconds" -eq 0 ]; then
    echo "usage: $0 [SECONDS]" >&2
    exit 2
fi

# One build for the three targets, which share most of their modules; each Fuzz/run.sh below then
# finds its target built.
echo "== build every target"
build_log=Fuzz/artifacts/build.log
mkdir -p "$(dirname "$build_log")"
build_started=$SECONDS
if ! Fuzz/run.sh --build >"$build_log" 2>&1; then
    cat "$build_log"
    echo "fuzzing failed: the build failed" >&2
    exit 2
fi
echo "built in $((SECONDS - build_started)) s"

failed=()
for target in ParserFuzzer JSONFuzzer QueryFuzzer; do
    echo "== fuzz $target for ${seconds}s"
    log="Fuzz/artifacts/$target/fuzz-sh.log"
    mkdir -p "$(dirname "$log")"
    status=0
    FUZZ_JOBS=1 Fuzz/run.sh "$seconds" "$target" >"$log" 2>&1 || status=$?
    # The build output and libFuzzer's progress lines are long; show the summary, and everything
    # when it failed.
    if [ "$status" -ne 0 ]; then
        cat "$log"
        failed+=("$target (exit $status)")
    else
        grep -E '^SUMMARY:' "$log"
    fi
done

if ((${#failed[@]})); then
    echo "fuzzing failed: ${failed[*]}" >&2
    exit 1
fi
echo "fuzzing: no crashes"
