// AddonEngine: the N-API face of EngineCore. JS submits tasks and aborts them; events come back through one
// ThreadSafeFunction, batched (tokens of one request since the last call are merged into one event).
#include "AddonEngine.h"

#include <algorithm>
#include <cstring>

#include "common.h"

namespace onramp {

static std::mutex g_coresMu;
static std::vector<std::weak_ptr<EngineCore>> g_cores;

static Napi::Object eventToJs(Napi::Env env, EngineEvent &ev) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", Napi::Number::New(env, (double)ev.id));
  switch (ev.type) {
    case EngineEvent::Tokens: {
      o.Set("type", "tokens");
      Napi::Int32Array t = Napi::Int32Array::New(env, ev.tokens.size());
      std::memcpy(t.Data(), ev.tokens.data(), ev.tokens.size() * sizeof(int32_t));
      o.Set("tokens", t);
      if (ev.nProbs >= 0 && !ev.logprobs.empty()) {
        Napi::Float32Array lp = Napi::Float32Array::New(env, ev.logprobs.size());
        std::memcpy(lp.Data(), ev.logprobs.data(), ev.logprobs.size() * sizeof(float));
        o.Set("logprobs", lp);
        o.Set("nProbs", ev.nProbs);
        Napi::Int32Array tt = Napi::Int32Array::New(env, ev.topTokens.size());
        if (!ev.topTokens.empty()) std::memcpy(tt.Data(), ev.topTokens.data(), ev.topTokens.size() * sizeof(int32_t));
        Napi::Float32Array tl = Napi::Float32Array::New(env, ev.topLogprobs.size());
        if (!ev.topLogprobs.empty()) std::memcpy(tl.Data(), ev.topLogprobs.data(), ev.topLogprobs.size() * sizeof(float));
        o.Set("topTokens", tt);
        o.Set("topLogprobs", tl);
      }
      break;
    }
    case EngineEvent::Done:
      o.Set("type", "done");
      o.Set("finish", ev.finish);
      if (!ev.errCode.empty()) {
        o.Set("errCode", ev.errCode);
        o.Set("errMessage", ev.errMessage);
      }
      o.Set("promptTokens", ev.promptTokens);
      o.Set("cachedTokens", ev.cachedTokens);
      o.Set("completionTokens", ev.completionTokens);
      o.Set("queuedMs", ev.queuedMs);
      o.Set("promptMs", ev.promptMs);
      o.Set("genMs", ev.genMs);
      break;
    case EngineEvent::Score: {
      o.Set("type", "score");
      Napi::Array arr = Napi::Array::New(env, ev.candLogprobs.size());
      for (size_t i = 0; i < ev.candLogprobs.size(); i++) {
        Napi::Float64Array a = Napi::Float64Array::New(env, ev.candLogprobs[i].size());
        if (!ev.candLogprobs[i].empty()) std::memcpy(a.Data(), ev.candLogprobs[i].data(), ev.candLogprobs[i].size() * sizeof(double));
        arr.Set((uint32_t)i, a);
      }
      o.Set("candLogprobs", arr);
      o.Set("promptTokens", ev.promptTokens);
      o.Set("cachedTokens", ev.cachedTokens);
      o.Set("queuedMs", ev.queuedMs);
      o.Set("evalMs", ev.promptMs);
      break;
    }
    case EngineEvent::Embed: {
      o.Set("type", "embed");
      Napi::Array arr = Napi::Array::New(env, ev.vectors.size());
      for (size_t i = 0; i < ev.vectors.size(); i++) {
        Napi::Float32Array a = Napi::Float32Array::New(env, ev.vectors[i].size());
        std::memcpy(a.Data(), ev.vectors[i].data(), ev.vectors[i].size() * sizeof(float));
        arr.Set((uint32_t)i, a);
      }
      o.Set("vectors", arr);
      Napi::Array nt = Napi::Array::New(env, ev.nTokens.size());
      for (size_t i = 0; i < ev.nTokens.size(); i++) nt.Set((uint32_t)i, ev.nTokens[i]);
      o.Set("nTokens", nt);
      o.Set("dim", ev.dim);
      break;
    }
  }
  return o;
}

static void deliver(Napi::Env env, Napi::Function fn, const std::shared_ptr<EventSink> &sink) {
  std::vector<EngineEvent> evs;
  {
    std::lock_guard<std::mutex> lk(sink->mu);
    evs.swap(sink->events);
    sink->callPending = false;
    if (sink->closed) return;
  }
  if (evs.empty()) return;
  Napi::Array arr = Napi::Array::New(env, evs.size());
  for (size_t i = 0; i < evs.size(); i++) {
    arr.Set((uint32_t)i, eventToJs(env, evs[i]));
    if (evs[i].type != EngineEvent::Tokens && sink->active > 0 && --sink->active == 0) sink->tsfn.Unref(env);
  }
  try {
    fn.Call({arr});
  } catch (const Napi::Error &e) {
    fprintf(stderr, "onramp: engine event handler threw: %s\n", e.Message().c_str());
  }
}

void EventSink::push(std::vector<EngineEvent> &&evs, const std::shared_ptr<EventSink> &self) {
  std::lock_guard<std::mutex> lk(mu);
  if (closed) return;
  for (auto &ev : evs) {
    bool merged = false;
    if (ev.type == EngineEvent::Tokens) {
      for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->id != ev.id) continue;
        if (it->type == EngineEvent::Tokens) {
          it->tokens.insert(it->tokens.end(), ev.tokens.begin(), ev.tokens.end());
          it->logprobs.insert(it->logprobs.end(), ev.logprobs.begin(), ev.logprobs.end());
          it->topTokens.insert(it->topTokens.end(), ev.topTokens.begin(), ev.topTokens.end());
          it->topLogprobs.insert(it->topLogprobs.end(), ev.topLogprobs.begin(), ev.topLogprobs.end());
          merged = true;
        }
        break;
      }
    }
    if (!merged) events.push_back(std::move(ev));
  }
  if (!callPending && !events.empty()) {
    std::shared_ptr<EventSink> keep = self;
    napi_status st = tsfn.NonBlockingCall([keep](Napi::Env env, Napi::Function fn) { deliver(env, fn, keep); });
    callPending = st == napi_ok;
  }
}

static ggml_type kvTypeFrom(const std::string &s) {
  if (s == "q8_0") return GGML_TYPE_Q8_0;
  if (s == "q4_0") return GGML_TYPE_Q4_0;
  if (s == "f32") return GGML_TYPE_F32;
  return GGML_TYPE_F16;
}

// new AddonEngine(model: AddonModel, options, onEvents: (events) => void)
AddonEngine::AddonEngine(const Napi::CallbackInfo &info) : Napi::ObjectWrap<AddonEngine>(info) {
  Napi::Env env = info.Env();
  AddonModel *m = AddonModel::from(info[0]);
  if (!m || !m->handle()) throw makeError(env, "INVALID_ARGUMENT", "model: a loaded AddonModel is required");
  model_ = m->handle();
  Napi::Object o = info[1].As<Napi::Object>();
  cfg_.nCtx = (uint32_t)getNumber(o, "nCtx", cfg_.nCtx);
  cfg_.nBatch = (uint32_t)getNumber(o, "nBatch", cfg_.nBatch);
  cfg_.nUbatch = (uint32_t)getNumber(o, "nUbatch", cfg_.nUbatch);
  cfg_.parallel = (uint32_t)getNumber(o, "parallel", cfg_.parallel);
  cfg_.scoreSeqs = (uint32_t)getNumber(o, "scoreSequences", cfg_.scoreSeqs);
  cfg_.threads = (int32_t)getNumber(o, "threads", cfg_.threads);
  cfg_.threadsBatch = (int32_t)getNumber(o, "threadsBatch", cfg_.threadsBatch);
  cfg_.flashAttention = (int)getNumber(o, "flashAttention", -1);
  cfg_.kvType = kvTypeFrom(getString(o, "kvCacheType", "f16"));
  cfg_.kvUnified = getBool(o, "kvUnified", true);
  cfg_.prefixCache = getBool(o, "prefixCache", true);
  cfg_.poll = (int32_t)getNumber(o, "poll", -1);
  cfg_.seed = (uint32_t)getNumber(o, "seed", LLAMA_DEFAULT_SEED);
  sink_ = std::make_shared<EventSink>();
  sink_->tsfn = Napi::ThreadSafeFunction::New(env, info[2].As<Napi::Function>(), "onramp:engine-events", 0, 1);
  sink_->tsfn.Unref(env);
  core_ = std::make_shared<EngineCore>(model_, cfg_, sink_);
  std::lock_guard<std::mutex> lk(g_coresMu);
  g_cores.erase(std::remove_if(g_cores.begin(), g_cores.end(), [](const std::weak_ptr<EngineCore> &w) { return w.expired(); }), g_cores.end());
  g_cores.push_back(core_);
}

AddonEngine::~AddonEngine() { shutdown(); }

void AddonEngine::shutdown() {
  if (core_) core_->stop();
  core_.reset();
  if (sink_) {
    bool release = false;
    {
      std::lock_guard<std::mutex> lk(sink_->mu);
      release = !sink_->closed;
      sink_->closed = true;
    }
    if (release) sink_->tsfn.Release();
  }
  model_.reset();
}

class EngineStartWorker : public Napi::AsyncWorker {
 public:
  EngineStartWorker(Napi::Env env, Napi::Object self, std::shared_ptr<EngineCore> core)
      : Napi::AsyncWorker(env, "onramp:engine-start"), core_(std::move(core)), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    std::string err = core_->init();
    if (!err.empty()) SetError(err);
  }
  void OnOK() override {
    Napi::Object o = Napi::Object::New(Env());
    o.Set("nCtxSeq", core_->nCtxSeq());
    o.Set("nSeqMax", core_->nSeqMax());
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error &e) override { deferred_.Reject(makeError(Env(), "MODEL_LOAD", e.Message()).Value()); }

 private:
  std::shared_ptr<EngineCore> core_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
};

Napi::Value AddonEngine::Start(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_) throw makeError(env, "DISPOSED", "engine has been disposed");
  if (started_) throw makeError(env, "CONFLICT", "engine already started");
  started_ = true;
  auto *w = new EngineStartWorker(env, Value(), core_);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

static std::vector<llama_token> readTokens(const Napi::Value &v) {
  std::vector<llama_token> out;
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    if (ta.TypedArrayType() == napi_uint32_array || ta.TypedArrayType() == napi_int32_array) {
      const int32_t *d = reinterpret_cast<const int32_t *>(static_cast<const uint8_t *>(ta.ArrayBuffer().Data()) + ta.ByteOffset());
      out.assign(d, d + ta.ElementLength());
      return out;
    }
  }
  if (v.IsArray()) {
    Napi::Array a = v.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) out.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  return out;
}

// aLoRA as llama.cpp's server does it: the adapter must be the request's only one; it switches on at the last
// occurrence of its invocation tokens in the prompt (earlier tokens run on the base model, so their KV is the
// base model's and is shared with plain requests); without the invocation tokens it stays off.
static std::string resolveAlora(EngineTask &t) {
  bool any = false;
  for (auto &h : t.loras.handles) any = any || llama_adapter_get_alora_n_invocation_tokens(h->adapter) > 0;
  if (!any) return "";
  if (t.loras.handles.size() != 1) return "lora: an aLoRA adapter must be the only adapter of a request";
  if (t.kind == TaskKind::Embed) return "lora: aLoRA adapters do not apply to embeddings";
  const llama_adapter_lora *a = t.loras.handles[0]->adapter;
  const size_t n = (size_t)llama_adapter_get_alora_n_invocation_tokens(a);
  const llama_token *inv = llama_adapter_get_alora_invocation_tokens(a);
  int64_t start = -1;
  for (size_t i = t.prompt.size(); i-- > 0 && i + 1 >= n;) {
    if (std::equal(inv, inv + n, t.prompt.begin() + (long)(i + 1 - n))) {
      start = (int64_t)(i + 1 - n);
      break;
    }
  }
  if (start < 0) {
    t.loras = LoraSet{};  // not invoked: the base model serves the request
    t.loraKey.clear();
    t.cacheKey.clear();
    return "";
  }
  t.aloraStart = start;
  if (start > 0) t.cacheKey = t.loraKey + "@" + std::to_string(start);
  return "";
}

// submit(id, kind: 'generate'|'score'|'embed', payload): throws GRAMMAR, LORA_UNSUPPORTED, DISPOSED at once.
Napi::Value AddonEngine::Submit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_ || !core_) throw makeError(env, "DISPOSED", "engine has been disposed");
  if (!started_) throw makeError(env, "CONFLICT", "engine not started");
  auto task = std::make_shared<EngineTask>();
  task->id = (uint64_t)info[0].As<Napi::Number>().Int64Value();
  std::string kind = info[1].As<Napi::String>().Utf8Value();
  Napi::Object o = info[2].As<Napi::Object>();
  // lora: [{adapter: AddonLora, scale}] resolved by src/engine/LoraRegistry.ts
  std::string loraErr = readLoraSet(o.Get("lora"), model_, task->loras);
  if (!loraErr.empty()) throw makeError(env, "LORA_UNSUPPORTED", loraErr);
  task->loraKey = task->loras.key();
  task->cacheKey = task->loraKey;
  const llama_vocab *vocab = model_->vocab();
  int32_t nVocab = llama_vocab_n_tokens(vocab);
  auto checkTokens = [&](const std::vector<llama_token> &toks) {
    for (llama_token t : toks)
      if (t < 0 || t >= nVocab) throw makeError(env, "INVALID_ARGUMENT", "token id out of range: " + std::to_string(t));
  };
  if (kind == "generate" || kind == "score") {
    task->kind = kind == "generate" ? TaskKind::Generate : TaskKind::Score;
    task->prompt = readTokens(o.Get("prompt"));
    checkTokens(task->prompt);
    if (task->prompt.empty()) throw makeError(env, "INVALID_ARGUMENT", "prompt: at least one token is required");
  }
  if (kind == "generate") {
    task->maxTokens = (int32_t)getNumber(o, "maxTokens", 256);
    task->nProbs = (int32_t)getNumber(o, "nProbs", -1);
    task->ignoreEos = getBool(o, "ignoreEos", false);
    task->sampling = readSampling(o, cfg_.seed);
    std::string err;
    task->smpl = buildSampler(vocab, task->sampling, err, &task->grammar);
    if (!task->smpl) throw makeError(env, "GRAMMAR", err);
  } else if (kind == "score") {
    Napi::Array a = o.Get("candidates").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      task->candidates.push_back(readTokens(a.Get(i)));
      checkTokens(task->candidates.back());
    }
  } else if (kind == "embed") {
    task->kind = TaskKind::Embed;
    Napi::Array a = o.Get("inputs").As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) {
      task->inputs.push_back(readTokens(a.Get(i)));
      checkTokens(task->inputs.back());
      if (task->inputs.back().empty() || task->inputs.back().size() > cfg_.nBatch)
        throw makeError(env, "INVALID_ARGUMENT", "inputs: each input must have 1..nBatch tokens");
    }
    task->pooling = (Pooling)(int)getNumber(o, "pooling", 1);
  } else {
    throw makeError(env, "INVALID_ARGUMENT", "unknown task kind " + kind);
  }
  if (!task->loras.empty()) {
    std::string err = resolveAlora(*task);
    if (!err.empty()) throw makeError(env, "INVALID_ARGUMENT", err);
  }
  task->tEnqueueUs = llama_time_us();
  if (sink_->active++ == 0) sink_->tsfn.Ref(env);
  core_->submit(std::move(task));
  return env.Undefined();
}

Napi::Value AddonEngine::Abort(const Napi::CallbackInfo &info) {
  if (core_ && !disposed_) core_->abort((uint64_t)info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

class EngineDisposeWorker : public Napi::AsyncWorker {
 public:
  EngineDisposeWorker(Napi::Env env, Napi::Object self, std::shared_ptr<EngineCore> core)
      : Napi::AsyncWorker(env, "onramp:engine-dispose"), core_(std::move(core)), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    if (core_) core_->stop();
  }
  void OnOK() override {
    core_.reset();
    deferred_.Resolve(Env().Undefined());
  }

 private:
  std::shared_ptr<EngineCore> core_;
  Napi::ObjectReference self_;
  Napi::Promise::Deferred deferred_;
};

// dispose(): Promise<void>; joins the engine thread off the JS thread; idempotent.
Napi::Value AddonEngine::Dispose(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (disposed_) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  disposed_ = true;
  {
    std::lock_guard<std::mutex> lk(sink_->mu);
    sink_->closed = true;
  }
  if (sink_->active > 0) sink_->tsfn.Unref(env);
  sink_->active = 0;
  sink_->tsfn.Release();
  auto *w = new EngineDisposeWorker(env, Value(), core_);
  core_.reset();
  model_.reset();
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value AddonEngine::Info(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("busySlots", core_ ? core_->busySlots() : 0);
  o.Set("disposed", disposed_);
  return o;
}

void AddonEngine::init(Napi::Env env, Napi::Object exports) {
  Napi::Function fn = DefineClass(env, "AddonEngine",
      {InstanceMethod("start", &AddonEngine::Start), InstanceMethod("submit", &AddonEngine::Submit),
       InstanceMethod("abort", &AddonEngine::Abort), InstanceMethod("dispose", &AddonEngine::Dispose),
       InstanceMethod("info", &AddonEngine::Info)});
  exports.Set("AddonEngine", fn);
  AddonSampler::init(env, exports);
  napi_add_env_cleanup_hook(
      env,
      [](void *) {
        std::vector<std::shared_ptr<EngineCore>> live;
        {
          std::lock_guard<std::mutex> lk(g_coresMu);
          for (auto &w : g_cores)
            if (auto c = w.lock()) live.push_back(c);
          g_cores.clear();
        }
        for (auto &c : live) c->stop();
      },
      nullptr);
}

}  // namespace onramp
