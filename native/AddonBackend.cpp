#include "AddonBackend.h"

#include <atomic>
#include <mutex>
#include <string>

#include "AddonQuantize.h"
#include "common.h"
#include "ggml-backend.h"
#include "llama.h"

namespace onramp {

static std::once_flag gBackendOnce;
static std::atomic<int> gLogLevel{GGML_LOG_LEVEL_ERROR};

static void logCallback(ggml_log_level level, const char *text, void *) {
  // A quantize job on this thread reads its progress from the log (see AddonQuantize.h).
  if (LogTap *tap = threadLogTap()) (*tap)(level, text);
  // CONT lines continue the previous message; print them only when we print everything.
  int lv = level == GGML_LOG_LEVEL_CONT ? GGML_LOG_LEVEL_DEBUG : level;
  if (lv >= gLogLevel.load()) fputs(text, stderr);
}

void ensureBackends(const std::string &libDir) {
  std::call_once(gBackendOnce, [&] {
    llama_log_set(logCallback, nullptr);
    if (!libDir.empty()) ggml_backend_load_all_from_path(libDir.c_str());
    if (ggml_backend_dev_count() == 0) ggml_backend_load_all();
    llama_backend_init();
  });
}

// init(libDir): loads backends; returns nothing. Idempotent.
static Napi::Value Init(const Napi::CallbackInfo &info) {
  std::string dir = info.Length() > 0 && info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  ensureBackends(dir);
  return info.Env().Undefined();
}

// setLogLevel(level): 0 debug, 1 info, 2 warn, 3 error, 4 none.
static Napi::Value SetLogLevel(const Napi::CallbackInfo &info) {
  static const int map[] = {GGML_LOG_LEVEL_DEBUG, GGML_LOG_LEVEL_INFO, GGML_LOG_LEVEL_WARN, GGML_LOG_LEVEL_ERROR, 99};
  int v = info[0].As<Napi::Number>().Int32Value();
  if (v < 0) v = 0;
  if (v > 4) v = 4;
  gLogLevel = map[v];
  return info.Env().Undefined();
}

static Napi::Value ListDevices(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  size_t n = ggml_backend_dev_count();
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    ggml_backend_dev_t dev = ggml_backend_dev_get(i);
    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(dev);
    size_t free = 0, total = 0;
    ggml_backend_dev_memory(dev, &free, &total);
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", ggml_backend_dev_name(dev));
    o.Set("description", ggml_backend_dev_description(dev));
    o.Set("backend", reg ? ggml_backend_reg_name(reg) : "");
    const char *type = "cpu";
    switch (ggml_backend_dev_type(dev)) {
      case GGML_BACKEND_DEVICE_TYPE_GPU: type = "gpu"; break;
      case GGML_BACKEND_DEVICE_TYPE_IGPU: type = "igpu"; break;
      case GGML_BACKEND_DEVICE_TYPE_ACCEL: type = "accel"; break;
      default: break;
    }
    o.Set("type", type);
    o.Set("memoryFree", Napi::Number::New(env, (double)free));
    o.Set("memoryTotal", Napi::Number::New(env, (double)total));
    out.Set(i, o);
  }
  return out;
}

static Napi::Value SystemInfo(const Napi::CallbackInfo &info) {
  return Napi::String::New(info.Env(), llama_print_system_info());
}

void AddonBackend::init(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("setLogLevel", Napi::Function::New(env, SetLogLevel, "setLogLevel"));
  exports.Set("listDevices", Napi::Function::New(env, ListDevices, "listDevices"));
  exports.Set("systemInfo", Napi::Function::New(env, SystemInfo, "systemInfo"));
  exports.Set("supportsGpuOffload", Napi::Function::New(env, [](const Napi::CallbackInfo &i) {
    return Napi::Boolean::New(i.Env(), llama_supports_gpu_offload());
  }));
  exports.Set("supportsMmap", Napi::Function::New(env, [](const Napi::CallbackInfo &i) {
    return Napi::Boolean::New(i.Env(), llama_supports_mmap());
  }));
  exports.Set("supportsMlock", Napi::Function::New(env, [](const Napi::CallbackInfo &i) {
    return Napi::Boolean::New(i.Env(), llama_supports_mlock());
  }));
}

}  // namespace onramp
