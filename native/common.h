// Helpers shared by every Addon* class: argument reading, errors, the backend-once init.
#pragma once
#include <napi.h>
#include <string>
#include <vector>

namespace onramp {

// Throws a JS Error with a stable `code` property, caught by src/native/loadBinding.ts and rewrapped.
inline Napi::Error makeError(Napi::Env env, const std::string &code, const std::string &message) {
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

inline std::string getString(const Napi::Object &o, const char *key, const std::string &def = "") {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : def;
}
inline double getNumber(const Napi::Object &o, const char *key, double def) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : def;
}
inline bool getBool(const Napi::Object &o, const char *key, bool def) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : def;
}

// Loads the ggml backends that sit beside the addon (best CPU variant, GPU backends) once per process.
void ensureBackends(const std::string &libDir);

}  // namespace onramp
