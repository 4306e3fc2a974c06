#include "AddonModel.h"

#include <cstring>

#include "AddonQuantize.h"
#include "ChatTemplate.h"
#include "common.h"

namespace onramp {

Napi::FunctionReference AddonModel::constructor;

std::vector<llama_token> tokenizeText(const llama_vocab *vocab, const std::string &text, bool addSpecial, bool parseSpecial) {
  int32_t n = -llama_tokenize(vocab, text.data(), (int32_t)text.size(), nullptr, 0, addSpecial, parseSpecial);
  if (n <= 0) {
    // n == 0 means empty result; a positive return with a null buffer cannot happen.
    std::vector<llama_token> none;
    if (n == 0) return none;
  }
  std::vector<llama_token> out((size_t)n);
  int32_t got = llama_tokenize(vocab, text.data(), (int32_t)text.size(), out.data(), n, addSpecial, parseSpecial);
  if (got < 0) throw std::runtime_error("tokenization failed");
  out.resize((size_t)got);
  return out;
}

std::string tokenPiece(const llama_vocab *vocab, llama_token tok, bool special) {
  char buf[256];
  int32_t n = llama_token_to_piece(vocab, tok, buf, sizeof(buf), 0, special);
  if (n >= 0) return std::string(buf, (size_t)n);
  std::string big((size_t)-n, '\0');
  n = llama_token_to_piece(vocab, tok, big.data(), (int32_t)big.size(), 0, special);
  big.resize(n > 0 ? (size_t)n : 0);
  return big;
}

std::string detokenizeTokens(const llama_vocab *vocab, const std::vector<llama_token> &toks, bool special) {
  std::string out(toks.size() * 8 + 16, '\0');
  int32_t n = llama_detokenize(vocab, toks.data(), (int32_t)toks.size(), out.data(), (int32_t)out.size(), false, special);
  if (n < 0) {
    out.resize((size_t)-n);
    n = llama_detokenize(vocab, toks.data(), (int32_t)toks.size(), out.data(), (int32_t)out.size(), false, special);
  }
  out.resize(n > 0 ? (size_t)n : 0);
  return out;
}

AddonModel *AddonModel::from(const Napi::Value &v) {
  if (!v.IsObject()) return nullptr;
  Napi::Object o = v.As<Napi::Object>();
  if (!o.InstanceOf(constructor.Value())) return nullptr;
  return Napi::ObjectWrap<AddonModel>::Unwrap(o);
}

// new AddonModel(path, {gpuLayers, useMmap, useMlock, vocabOnly, checkTensors, overrides: [{key, type, value}]})
AddonModel::AddonModel(const Napi::CallbackInfo &info) : Napi::ObjectWrap<AddonModel>(info) {
  Napi::Env env = info.Env();
  path_ = info[0].As<Napi::String>().Utf8Value();
  Napi::Object o = info.Length() > 1 && info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  params_ = llama_model_default_params();
  params_.n_gpu_layers = (int32_t)getNumber(o, "gpuLayers", params_.n_gpu_layers);
  bool mmap = getBool(o, "useMmap", true);
  bool mlock = getBool(o, "useMlock", false);
  params_.load_mode = mmap ? (mlock ? LLAMA_LOAD_MODE_MMAP_MLOCK : LLAMA_LOAD_MODE_MMAP)
                           : (mlock ? LLAMA_LOAD_MODE_MLOCK : LLAMA_LOAD_MODE_NONE);
  params_.vocab_only = getBool(o, "vocabOnly", false);
  params_.check_tensors = getBool(o, "checkTensors", false);
  Napi::Value ov = o.Get("overrides");
  if (ov.IsArray()) {
    Napi::Array arr = ov.As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Object e = arr.Get(i).As<Napi::Object>();
      llama_model_kv_override kv{};
      std::string key = getString(e, "key");
      std::strncpy(kv.key, key.c_str(), sizeof(kv.key) - 1);
      std::string type = getString(e, "type");
      if (type == "int") { kv.tag = LLAMA_KV_OVERRIDE_TYPE_INT; kv.val_i64 = (int64_t)getNumber(e, "value", 0); }
      else if (type == "float") { kv.tag = LLAMA_KV_OVERRIDE_TYPE_FLOAT; kv.val_f64 = getNumber(e, "value", 0); }
      else if (type == "bool") { kv.tag = LLAMA_KV_OVERRIDE_TYPE_BOOL; kv.val_bool = getBool(e, "value", false); }
      else { kv.tag = LLAMA_KV_OVERRIDE_TYPE_STR; std::strncpy(kv.val_str, getString(e, "value").c_str(), sizeof(kv.val_str) - 1); }
      overrides_.push_back(kv);
    }
    if (!overrides_.empty()) {
      llama_model_kv_override end{};
      end.key[0] = 0;
      overrides_.push_back(end);
    }
  }
}

AddonModel::~AddonModel() { handle_.reset(); }

bool AddonModel::checkUsable(Napi::Env env) {
  if (disposed_) { makeError(env, "DISPOSED", "model has been disposed").ThrowAsJavaScriptException(); return false; }
  if (!handle_) { makeError(env, "NOT_LOADED", "model is not loaded").ThrowAsJavaScriptException(); return false; }
  return true;
}

// Loads the weights on a worker thread, reporting progress through a ThreadSafeFunction.
class LoadWorker : public Napi::AsyncWorker {
 public:
  LoadWorker(Napi::Env env, AddonModel *m, Napi::Function onProgress)
      : Napi::AsyncWorker(env, "onramp:model-load"), model_(m), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(m->Value());
    if (!onProgress.IsEmpty() && onProgress.IsFunction())
      progress_ = Napi::ThreadSafeFunction::New(env, onProgress, "onramp:load-progress", 0, 1);
  }
  ~LoadWorker() override {
    if (progress_) progress_.Release();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    llama_model_params p = model_->params_;
    if (!model_->overrides_.empty()) p.kv_overrides = model_->overrides_.data();
    p.progress_callback = [](float progress, void *ud) -> bool {
      auto *self = static_cast<LoadWorker *>(ud);
      if (self->progress_) {
        float *v = new float(progress);
        self->progress_.NonBlockingCall(v, [](Napi::Env env, Napi::Function fn, float *val) {
          fn.Call({Napi::Number::New(env, *val)});
          delete val;
        });
      }
      return !self->model_->abortLoad_.load();
    };
    p.progress_callback_user_data = this;
    // Keep llama.cpp's error lines from this thread so a failed load says why.
    std::string errors;
    LogTap tap = [&errors](int level, const char *text) {
      if (level == GGML_LOG_LEVEL_ERROR && errors.size() < 2000) errors += text;
    };
    setThreadLogTap(&tap);
    llama_model *m = llama_model_load_from_file(model_->path_.c_str(), p);
    setThreadLogTap(nullptr);
    if (!m) {
      if (model_->abortLoad_.load()) {
        SetError("ABORTED:model load aborted");
        return;
      }
      while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' ')) errors.pop_back();
      for (char &c : errors) if (c == '\n') c = ';';
      SetError("MODEL_LOAD:llama.cpp failed to load the model" + (errors.empty() ? std::string() : ": " + errors));
      return;
    }
    loaded_ = std::make_shared<ModelHandle>();
    loaded_->model = m;
  }
  void OnOK() override {
    model_->loading_ = false;
    if (model_->disposed_) {
      loaded_.reset();
      deferred_.Reject(makeError(Env(), "DISPOSED", "model was disposed while loading").Value());
      return;
    }
    model_->handle_ = loaded_;
    deferred_.Resolve(Env().Undefined());
  }
  void OnError(const Napi::Error &e) override {
    model_->loading_ = false;
    std::string msg = e.Message();
    auto colon = msg.find(':');
    deferred_.Reject(makeError(Env(), msg.substr(0, colon), msg.substr(colon + 1)).Value());
  }

 private:
  AddonModel *model_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction progress_;
  std::shared_ptr<ModelHandle> loaded_;
};

Napi::Value AddonModel::Load(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_) throw makeError(env, "DISPOSED", "model has been disposed");
  if (loading_ || handle_) throw makeError(env, "CONFLICT", "model is already loaded or loading");
  loading_ = true;
  Napi::Function cb = info.Length() > 0 && info[0].IsFunction() ? info[0].As<Napi::Function>() : Napi::Function();
  auto *w = new LoadWorker(env, this, cb);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value AddonModel::AbortLoad(const Napi::CallbackInfo &info) {
  abortLoad_ = true;
  return info.Env().Undefined();
}

// Two-step, idempotent: mark disposed, then drop our reference (freeing the weights unless a context
// still holds them).
Napi::Value AddonModel::Dispose(const Napi::CallbackInfo &info) {
  if (loading_) abortLoad_ = true;
  disposed_ = true;
  handle_.reset();
  chat_.reset();
  return info.Env().Undefined();
}

// tokenize(text, addSpecial, parseSpecial) -> Uint32Array
Napi::Value AddonModel::Tokenize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  std::string text = info[0].As<Napi::String>().Utf8Value();
  bool addSpecial = info.Length() > 1 && info[1].ToBoolean().Value();
  bool parseSpecial = info.Length() > 2 && info[2].ToBoolean().Value();
  std::vector<llama_token> toks = tokenizeText(handle_->vocab(), text, addSpecial, parseSpecial);
  Napi::Uint32Array out = Napi::Uint32Array::New(env, toks.size());
  for (size_t i = 0; i < toks.size(); i++) out[i] = (uint32_t)toks[i];
  return out;
}

// detokenize(Uint32Array|number[], special) -> string
Napi::Value AddonModel::Detokenize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  std::vector<llama_token> toks;
  if (info[0].IsTypedArray()) {
    Napi::Uint32Array a = info[0].As<Napi::Uint32Array>();
    toks.assign(a.Data(), a.Data() + a.ElementLength());
  } else {
    Napi::Array a = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) toks.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  int32_t nv = llama_vocab_n_tokens(handle_->vocab());
  for (llama_token t : toks)
    if (t < 0 || t >= nv) throw makeError(env, "INVALID_ARGUMENT", "token id out of range: " + std::to_string(t));
  bool special = info.Length() > 1 && info[1].ToBoolean().Value();
  return Napi::String::New(env, detokenizeTokens(handle_->vocab(), toks, special));
}

// tokenPiece(token, special) -> Buffer (raw bytes: a piece may be part of a UTF-8 character)
Napi::Value AddonModel::TokenPiece(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  llama_token t = info[0].As<Napi::Number>().Int32Value();
  if (t < 0 || t >= llama_vocab_n_tokens(handle_->vocab())) throw makeError(env, "INVALID_ARGUMENT", "token id out of range");
  std::string s = tokenPiece(handle_->vocab(), t, info.Length() > 1 && info[1].ToBoolean().Value());
  return Napi::Buffer<char>::Copy(env, s.data(), s.size());
}

static Napi::Value tokOrNull(Napi::Env env, llama_token t) {
  return t == LLAMA_TOKEN_NULL ? env.Null() : Napi::Number::New(env, t);
}

static std::string metaString(const llama_model *m, const char *key) {
  std::vector<char> buf(256);
  int32_t n = llama_model_meta_val_str(m, key, buf.data(), buf.size());
  if (n < 0) return "";
  if ((size_t)n >= buf.size()) {
    buf.resize((size_t)n + 1);
    n = llama_model_meta_val_str(m, key, buf.data(), buf.size());
  }
  return std::string(buf.data(), n > 0 ? (size_t)n : 0);
}

Napi::Value AddonModel::Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  llama_model *m = handle_->model;
  const llama_vocab *v = handle_->vocab();
  Napi::Object o = Napi::Object::New(env);
  char desc[256];
  llama_model_desc(m, desc, sizeof(desc));
  o.Set("description", desc);
  o.Set("architecture", metaString(m, "general.architecture"));
  o.Set("name", metaString(m, "general.name"));
  o.Set("ftype", (int)llama_model_ftype(m));
  o.Set("parameters", Napi::Number::New(env, (double)llama_model_n_params(m)));
  o.Set("size", Napi::Number::New(env, (double)llama_model_size(m)));
  o.Set("nCtxTrain", llama_model_n_ctx_train(m));
  o.Set("nEmbd", llama_model_n_embd(m));
  o.Set("nLayer", llama_model_n_layer(m));
  // n_head(il) aborts when there are no layers (vocab-only loads).
  bool hasLayers = !params_.vocab_only && llama_model_n_layer(m) > 0;
  o.Set("nHead", hasLayers ? llama_model_n_head(m) : 0);
  o.Set("nHeadKv", hasLayers ? llama_model_n_head_kv(m) : 0);
  o.Set("vocabSize", llama_vocab_n_tokens(v));
  o.Set("hasEncoder", llama_model_has_encoder(m));
  o.Set("hasDecoder", llama_model_has_decoder(m));
  o.Set("isRecurrent", llama_model_is_recurrent(m));
  Napi::Object sp = Napi::Object::New(env);
  sp.Set("bos", tokOrNull(env, llama_vocab_bos(v)));
  sp.Set("eos", tokOrNull(env, llama_vocab_eos(v)));
  sp.Set("eot", tokOrNull(env, llama_vocab_eot(v)));
  sp.Set("sep", tokOrNull(env, llama_vocab_sep(v)));
  sp.Set("nl", tokOrNull(env, llama_vocab_nl(v)));
  sp.Set("pad", tokOrNull(env, llama_vocab_pad(v)));
  o.Set("specialTokens", sp);
  o.Set("addBos", llama_vocab_get_add_bos(v));
  o.Set("addEos", llama_vocab_get_add_eos(v));
  const char *tmpl = llama_model_chat_template(m, nullptr);
  o.Set("chatTemplate", tmpl ? Napi::String::New(env, tmpl) : env.Null());
  return o;
}

// metadata() -> Record<string, string> (every GGUF key llama.cpp kept, values as strings)
Napi::Value AddonModel::Metadata(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  Napi::Object o = Napi::Object::New(env);
  int32_t n = llama_model_meta_count(handle_->model);
  std::vector<char> key(512), val(4096);
  for (int32_t i = 0; i < n; i++) {
    if (llama_model_meta_key_by_index(handle_->model, i, key.data(), key.size()) < 0) continue;
    int32_t len = llama_model_meta_val_str_by_index(handle_->model, i, val.data(), val.size());
    if (len >= (int32_t)val.size()) {
      val.resize((size_t)len + 1);
      len = llama_model_meta_val_str_by_index(handle_->model, i, val.data(), val.size());
    }
    if (len < 0) continue;
    o.Set(key.data(), Napi::String::New(env, val.data(), (size_t)len));
  }
  return o;
}

// applyChatTemplate(messages: {role, content}[], addAssistant, template?) -> string. Renders with llama.cpp's
// Jinja engine (the model's own template; ChatML when it has none); when Jinja fails, falls back to the
// built-in llama_chat_apply_template, and throws CHAT_TEMPLATE when both fail.
Napi::Value AddonModel::ApplyChatTemplate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (!checkUsable(env)) return env.Undefined();
  Napi::Array arr = info[0].As<Napi::Array>();
  bool addAss = info.Length() > 1 && info[1].ToBoolean().Value();
  std::string tmplOverride = info.Length() > 2 && info[2].IsString() ? info[2].As<Napi::String>().Utf8Value() : "";
  std::vector<std::pair<std::string, std::string>> pairs(arr.Length());
  for (uint32_t i = 0; i < arr.Length(); i++) {
    Napi::Object m = arr.Get(i).As<Napi::Object>();
    pairs[i] = {getString(m, "role"), getString(m, "content")};
  }
  std::string jinjaError;
  try {
    std::shared_ptr<ChatTemplates> t;
    if (tmplOverride.empty()) {
      if (!chat_) chat_ = makeChatTemplates(handle_->model, "");
      t = chat_;
    } else {
      t = makeChatTemplates(handle_->model, tmplOverride);
    }
    return Napi::String::New(env, applyChatTemplates(t.get(), pairs, addAss));
  } catch (const std::exception &e) {
    jinjaError = e.what();
  }
  std::vector<llama_chat_message> msgs(pairs.size());
  size_t total = 256;
  for (size_t i = 0; i < pairs.size(); i++) {
    msgs[i] = {pairs[i].first.c_str(), pairs[i].second.c_str()};
    total += pairs[i].second.size() * 2 + 64;
  }
  const char *tmpl = tmplOverride.empty() ? llama_model_chat_template(handle_->model, nullptr) : tmplOverride.c_str();
  int32_t n = -1;
  std::vector<char> buf(total);
  if (tmpl) {
    n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), addAss, buf.data(), (int32_t)buf.size());
    if (n > (int32_t)buf.size()) {
      buf.resize((size_t)n);
      n = llama_chat_apply_template(tmpl, msgs.data(), msgs.size(), addAss, buf.data(), (int32_t)buf.size());
    }
  }
  if (n < 0) throw makeError(env, "CHAT_TEMPLATE", "chat template failed: " + jinjaError);
  return Napi::String::New(env, buf.data(), (size_t)n);
}

void AddonModel::init(Napi::Env env, Napi::Object exports) {
  Napi::Function fn = DefineClass(env, "AddonModel",
      {InstanceMethod("load", &AddonModel::Load), InstanceMethod("abortLoad", &AddonModel::AbortLoad),
       InstanceMethod("dispose", &AddonModel::Dispose), InstanceMethod("tokenize", &AddonModel::Tokenize),
       InstanceMethod("detokenize", &AddonModel::Detokenize), InstanceMethod("tokenPiece", &AddonModel::TokenPiece),
       InstanceMethod("info", &AddonModel::Info), InstanceMethod("metadata", &AddonModel::Metadata),
       InstanceMethod("applyChatTemplate", &AddonModel::ApplyChatTemplate)});
  constructor = Napi::Persistent(fn);
  constructor.SuppressDestruct();
  exports.Set("AddonModel", fn);
}

}  // namespace onramp
