// Wires every Addon* class into the module; nothing else lives here.
#include <napi.h>

#include "AddonBackend.h"
#include "AddonEngine.h"
#include "AddonLora.h"
#include "AddonModel.h"
#include "AddonQuantize.h"

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  onramp::AddonBackend::init(env, exports);
  onramp::AddonModel::init(env, exports);
  onramp::AddonEngine::init(env, exports);
  onramp::AddonQuantize::init(env, exports);
  onramp::AddonLora::init(env, exports);
  return exports;
}

NODE_API_MODULE(onramp, Init)
