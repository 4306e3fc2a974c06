// AddonLora: one GGUF LoRA adapter loaded for one model, off the JS thread. The adapter lives in a
// LoraHandle (shared_ptr) that holds the model's handle, so the weights outlive every adapter made for
// them; the engine copies the handle into each task that uses the adapter, so dispose() from JS frees the
// adapter at once when no task holds it and otherwise when the last such task ends.
//
// Thread safety: llama.cpp keeps every adapter of a model in `model.loras` (an unordered_set) that it
// iterates while reserving a context's compute graph (inside llama_decode after an adapter switch).
// Loading and freeing an adapter modify that set, so they take loraGraphMutex() exclusively and every
// llama_decode that may reserve takes it shared (see LoraDecodeLock).
#pragma once
#include <napi.h>

#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "AddonModel.h"
#include "llama.h"

namespace onramp {

// Guards llama_model::loras between adapter load/free (exclusive) and llama_decode (shared).
std::shared_mutex &loraGraphMutex();

// Hold this around llama_decode / llama_encode on any context of a model that may have adapters.
struct LoraDecodeLock {
  std::shared_lock<std::shared_mutex> lock{loraGraphMutex()};
};

// Owns a llama_adapter_lora*; frees it (under the exclusive lock) when the last holder lets go.
struct LoraHandle {
  std::shared_ptr<ModelHandle> model;
  llama_adapter_lora *adapter = nullptr;
  uint64_t id = 0;  // process-unique, stable: used to key adapter sets (prefix cache, decode groups)
  ~LoraHandle();
};

// One adapter set as applied to a context: handles with their scales (zero scales already dropped,
// sorted by id so equal sets compare equal).
struct LoraSet {
  std::vector<std::shared_ptr<LoraHandle>> handles;
  std::vector<float> scales;
  bool empty() const { return handles.empty(); }
  // Stable key: "" for no adapter, else "id:scale,id:scale".
  std::string key() const;
};

// Reads `[{adapter: AddonLora, scale: number}]` (validated in TS) into a canonical LoraSet. Returns an error
// message ("" on success): unknown object, disposed or unloaded adapter, adapter of another model.
std::string readLoraSet(const Napi::Value &v, const std::shared_ptr<ModelHandle> &model, LoraSet &out);

// Sets `set` on `ctx` (a no-op in llama.cpp when unchanged). Call on the thread that decodes `ctx`.
void applyLoraSet(llama_context *ctx, const LoraSet &set);

class AddonLora : public Napi::ObjectWrap<AddonLora> {
 public:
  static void init(Napi::Env env, Napi::Object exports);
  static Napi::FunctionReference constructor;
  explicit AddonLora(const Napi::CallbackInfo &info);
  ~AddonLora() override;

  static AddonLora *from(const Napi::Value &v);
  // The handle, or nullptr when not loaded or disposed.
  std::shared_ptr<LoraHandle> handle() const { return handle_; }

  std::string path_;
  std::shared_ptr<ModelHandle> model_;
  std::shared_ptr<LoraHandle> handle_;
  bool loading_ = false;
  bool disposed_ = false;

 private:
  Napi::Value Load(const Napi::CallbackInfo &info);
  Napi::Value Info(const Napi::CallbackInfo &info);
  Napi::Value Dispose(const Napi::CallbackInfo &info);
};

}  // namespace onramp
