// The libFuzzer driver entry point (compiler-rt, FuzzerDriver.cpp), linked in by
// `-sanitize=fuzzer`. Headers only: there is nothing to compile here.
//
// SwiftPM links every Linux executable with `--defsym main=<Module>_main`, so libFuzzer's own
// `main` is never used; the harness defines `ParserFuzzer_main` and hands control to this.
#ifndef GRIDWORK_FUZZ_CLIBFUZZER_H
#define GRIDWORK_FUZZ_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));

#endif
