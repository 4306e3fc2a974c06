// AddonModel: one llama_model, loaded off the JS thread. Contexts, adapters and the engine share its
// handle (shared_ptr), so dispose() drops the model's own reference at once and the weights are freed
// as soon as the last context using them is disposed.
#pragma once
#include <napi.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "llama.h"

namespace onramp {

struct ChatTemplates;

// Owns the llama_model*; freed when the last holder lets go.
struct ModelHandle {
  llama_model *model = nullptr;
  ~ModelHandle() {
    if (model) llama_model_free(model);
  }
  const llama_vocab *vocab() const { return llama_model_get_vocab(model); }
};

class AddonModel : public Napi::ObjectWrap<AddonModel> {
 public:
  static void init(Napi::Env env, Napi::Object exports);
  static Napi::FunctionReference constructor;
  explicit AddonModel(const Napi::CallbackInfo &info);
  ~AddonModel() override;

  // The handle, or nullptr when not loaded or disposed. Other Addon* classes take a copy.
  std::shared_ptr<ModelHandle> handle() const { return handle_; }
  static AddonModel *from(const Napi::Value &v);

  // Load options, read once from JS (validated there).
  std::string path_;
  llama_model_params params_{};
  std::vector<llama_model_kv_override> overrides_;
  std::shared_ptr<ModelHandle> handle_;
  std::atomic<bool> abortLoad_{false};
  bool loading_ = false;
  bool disposed_ = false;
  // Parsed Jinja chat template, built on first use (JS thread only).
  std::shared_ptr<ChatTemplates> chat_;

 private:
  Napi::Value Load(const Napi::CallbackInfo &info);
  Napi::Value AbortLoad(const Napi::CallbackInfo &info);
  Napi::Value Dispose(const Napi::CallbackInfo &info);
  Napi::Value Tokenize(const Napi::CallbackInfo &info);
  Napi::Value Detokenize(const Napi::CallbackInfo &info);
  Napi::Value TokenPiece(const Napi::CallbackInfo &info);
  Napi::Value Info(const Napi::CallbackInfo &info);
  Napi::Value Metadata(const Napi::CallbackInfo &info);
  Napi::Value ApplyChatTemplate(const Napi::CallbackInfo &info);
  bool checkUsable(Napi::Env env);
};

// Tokenize / detokenize helpers usable from any thread.
std::vector<llama_token> tokenizeText(const llama_vocab *vocab, const std::string &text, bool addSpecial, bool parseSpecial);
std::string tokenPiece(const llama_vocab *vocab, llama_token tok, bool special);
std::string detokenizeTokens(const llama_vocab *vocab, const std::vector<llama_token> &toks, bool special);

}  // namespace onramp
