// Process-wide backend functions: load backends from a folder, list devices, system info, log level.
#pragma once
#include <napi.h>

namespace onramp {
struct AddonBackend {
  static void init(Napi::Env env, Napi::Object exports);
};
}  // namespace onramp
