// quantize(input, output, options, onProgress) -> Promise<void>: llama_model_quantize on a worker thread.
#pragma once
#include <napi.h>

#include <functional>
#include <string>

namespace onramp {
struct AddonQuantize {
  static void init(Napi::Env env, Napi::Object exports);
};

// Set on a worker thread: every llama.cpp log line written on that thread is passed to it. Quantize turns
// the "[ i/ n] tensor ..." lines into progress events (llama.cpp has no callback); load keeps the error lines
// so that a failed load says why.
using LogTap = std::function<void(int level, const char *text)>;  // level: ggml_log_level
void setThreadLogTap(LogTap *tap);
LogTap *threadLogTap();
}  // namespace onramp
