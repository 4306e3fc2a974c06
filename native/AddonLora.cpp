#include "AddonLora.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>

#include "common.h"

namespace onramp {

Napi::FunctionReference AddonLora::constructor;

std::shared_mutex &loraGraphMutex() {
  // Never destroyed: adapters may still be freed by finalizers while the process exits.
  static std::shared_mutex *mu = new std::shared_mutex();
  return *mu;
}

static std::atomic<uint64_t> nextLoraId{1};

LoraHandle::~LoraHandle() {
  if (!adapter) return;
  std::unique_lock<std::shared_mutex> lk(loraGraphMutex());
  llama_adapter_lora_free(adapter);
  adapter = nullptr;
}

std::string LoraSet::key() const {
  std::string k;
  char buf[64];
  for (size_t i = 0; i < handles.size(); i++) {
    std::snprintf(buf, sizeof(buf), "%s%llu:%.9g", i ? "," : "", (unsigned long long)handles[i]->id, (double)scales[i]);
    k += buf;
  }
  return k;
}

AddonLora *AddonLora::from(const Napi::Value &v) {
  if (!v.IsObject()) return nullptr;
  Napi::Object o = v.As<Napi::Object>();
  if (!o.InstanceOf(constructor.Value())) return nullptr;
  return Napi::ObjectWrap<AddonLora>::Unwrap(o);
}

std::string readLoraSet(const Napi::Value &v, const std::shared_ptr<ModelHandle> &model, LoraSet &out) {
  out = LoraSet{};
  if (v.IsUndefined() || v.IsNull()) return "";
  if (!v.IsArray()) return "lora must be an array";
  Napi::Array arr = v.As<Napi::Array>();
  std::vector<std::pair<std::shared_ptr<LoraHandle>, float>> items;
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Value e = arr.Get(i);
    if (!e.IsObject()) return "lora entries must be objects";
    Napi::Object o = e.As<Napi::Object>();
    AddonLora *a = AddonLora::from(o.Get("adapter"));
    if (!a) return "lora entry is not an AddonLora";
    std::shared_ptr<LoraHandle> h = a->handle();
    if (!h) return "lora adapter is not loaded or has been unloaded";
    if (h->model != model) return "lora adapter was loaded for another model";
    float scale = (float)getNumber(o, "scale", 1.0);
    if (scale == 0.0f) continue;  // llama.cpp drops zero scales too: same as no adapter
    for (auto &it : items)
      if (it.first == h) return "the same lora adapter is selected twice";
    items.emplace_back(std::move(h), scale);
  }
  std::sort(items.begin(), items.end(), [](const auto &x, const auto &y) { return x.first->id < y.first->id; });
  for (auto &it : items) {
    out.handles.push_back(it.first);
    out.scales.push_back(it.second);
  }
  return "";
}

void applyLoraSet(llama_context *ctx, const LoraSet &set) {
  std::vector<llama_adapter_lora *> ptrs;
  std::vector<float> scales = set.scales;
  for (auto &h : set.handles) ptrs.push_back(h->adapter);
  llama_set_adapters_lora(ctx, ptrs.empty() ? nullptr : ptrs.data(), ptrs.size(), scales.empty() ? nullptr : scales.data());
}

// new AddonLora(model: AddonModel, path: string)
AddonLora::AddonLora(const Napi::CallbackInfo &info) : Napi::ObjectWrap<AddonLora>(info) {
  Napi::Env env = info.Env();
  AddonModel *m = AddonModel::from(info[0]);
  if (!m) throw makeError(env, "INVALID_ARGUMENT", "AddonLora: the first argument must be an AddonModel");
  if (!info[1].IsString()) throw makeError(env, "INVALID_ARGUMENT", "AddonLora: path must be a string");
  model_ = m->handle();
  if (!model_) throw makeError(env, "DISPOSED", "model is not loaded or has been disposed");
  path_ = info[1].As<Napi::String>().Utf8Value();
}

AddonLora::~AddonLora() { handle_.reset(); }

class LoraLoadWorker : public Napi::AsyncWorker {
 public:
  LoraLoadWorker(Napi::Env env, AddonLora *l)
      : Napi::AsyncWorker(env, "onramp:lora-load"), lora_(l), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(l->Value());
    model_ = l->model_;
    path_ = l->path_;
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    llama_adapter_lora *a = nullptr;
    {
      std::unique_lock<std::shared_mutex> lk(loraGraphMutex());
      a = llama_adapter_lora_init(model_->model, path_.c_str());
    }
    if (!a) {
      SetError("LORA_INVALID:llama.cpp refused the LoRA adapter " + path_);
      return;
    }
    loaded_ = std::make_shared<LoraHandle>();
    loaded_->model = model_;
    loaded_->adapter = a;
    loaded_->id = nextLoraId.fetch_add(1);
  }
  void OnOK() override {
    lora_->loading_ = false;
    if (lora_->disposed_) {
      loaded_.reset();
      deferred_.Reject(makeError(Env(), "DISPOSED", "adapter was disposed while loading").Value());
      return;
    }
    lora_->handle_ = loaded_;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error &e) override {
    lora_->loading_ = false;
    std::string msg = e.Message();
    auto colon = msg.find(':');
    deferred_.Reject(makeError(Env(), msg.substr(0, colon), msg.substr(colon + 1)).Value());
  }

 private:
  AddonLora *lora_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
  std::shared_ptr<ModelHandle> model_;
  std::string path_;
  std::shared_ptr<LoraHandle> loaded_;
};

Napi::Value AddonLora::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_) throw makeError(env, "DISPOSED", "adapter has been disposed");
  if (loading_ || handle_) throw makeError(env, "CONFLICT", "adapter is already loaded or loading");
  loading_ = true;
  auto *w = new LoraLoadWorker(env, this);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

static std::string adapterMeta(const llama_adapter_lora *a, const char *key) {
  std::vector<char> buf(256);
  int32_t n = llama_adapter_meta_val_str(a, key, buf.data(), buf.size());
  if (n < 0) return "";
  if ((size_t)n >= buf.size()) {
    buf.resize((size_t)n + 1);
    n = llama_adapter_meta_val_str(a, key, buf.data(), buf.size());
  }
  return std::string(buf.data(), n > 0 ? (size_t)n : 0);
}

// info() -> {alpha, architecture, adapterType, metadata, aloraInvocationTokens}
Napi::Value AddonLora::Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_) throw makeError(env, "DISPOSED", "adapter has been disposed");
  if (!handle_) throw makeError(env, "NOT_LOADED", "adapter is not loaded");
  const llama_adapter_lora *a = handle_->adapter;
  Napi::Object o = Napi::Object::New(env);
  std::string alpha = adapterMeta(a, "adapter.lora.alpha");
  o.Set("alpha", Napi::Number::New(env, alpha.empty() ? 0.0 : std::atof(alpha.c_str())));
  o.Set("architecture", adapterMeta(a, "general.architecture"));
  o.Set("adapterType", adapterMeta(a, "adapter.type"));
  Napi::Object meta = Napi::Object::New(env);
  int32_t n = llama_adapter_meta_count(a);
  std::vector<char> key(512), val(4096);
  for (int32_t i = 0; i < n; i++) {
    if (llama_adapter_meta_key_by_index(a, i, key.data(), key.size()) < 0) continue;
    int32_t len = llama_adapter_meta_val_str_by_index(a, i, val.data(), val.size());
    if (len >= (int32_t)val.size()) {
      val.resize((size_t)len + 1);
      len = llama_adapter_meta_val_str_by_index(a, i, val.data(), val.size());
    }
    if (len < 0) continue;
    meta.Set(key.data(), Napi::String::New(env, val.data(), (size_t)len));
  }
  o.Set("metadata", meta);
  uint64_t nInv = llama_adapter_get_alora_n_invocation_tokens(a);
  Napi::Array inv = Napi::Array::New(env, (size_t)nInv);
  if (nInv > 0) {
    const llama_token *t = llama_adapter_get_alora_invocation_tokens(a);
    for (uint64_t i = 0; i < nInv; i++) inv.Set((uint32_t)i, Napi::Number::New(env, t[i]));
  }
  o.Set("aloraInvocationTokens", inv);
  o.Set("id", Napi::Number::New(env, (double)handle_->id));
  return o;
}

// Frees the adapter off the JS thread (the free waits for a running decode to finish).
class LoraFreeWorker : public Napi::AsyncWorker {
 public:
  LoraFreeWorker(Napi::Env env, std::shared_ptr<LoraHandle> h)
      : Napi::AsyncWorker(env, "onramp:lora-free"), handle_(std::move(h)), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override { handle_.reset(); }  // frees now unless a running task still holds it
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error &e) override { deferred_.Reject(e.Value()); }

 private:
  std::shared_ptr<LoraHandle> handle_;
  Napi::Promise::Deferred deferred_;
};

// dispose() -> Promise<void>. Idempotent; the native adapter is freed once no running task holds it.
Napi::Value AddonLora::Dispose(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  disposed_ = true;
  std::shared_ptr<LoraHandle> h = std::move(handle_);
  handle_.reset();
  model_.reset();  // a disposed adapter object must not keep the weights alive until GC (a load worker has its own copy)
  if (!h) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  auto *w = new LoraFreeWorker(env, std::move(h));
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

void AddonLora::init(Napi::Env env, Napi::Object exports) {
  Napi::Function fn = DefineClass(env, "AddonLora",
      {InstanceMethod("load", &AddonLora::Load), InstanceMethod("info", &AddonLora::Info),
       InstanceMethod("dispose", &AddonLora::Dispose)});
  constructor = Napi::Persistent(fn);
  constructor.SuppressDestruct();
  exports.Set("AddonLora", fn);
}

}  // namespace onramp
