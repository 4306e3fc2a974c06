// AddonEngine: one llama_context with `parallel` slots driven by a dedicated C++ engine thread (the design
// of llama.cpp's server). JS submits tasks and aborts them; the engine thread admits queued tasks into free
// slots (reusing the longest cached prefix), adds one token per generating slot, fills the rest of the batch
// with prompt chunks, calls llama_decode, samples in C++ and pushes events to JS through one
// ThreadSafeFunction (several tokens per call). The decode loop never waits for the JS event loop.
//
// LoRA (see docs/lora.md): every task carries its adapter set (`EngineTask::loras`, shared handles that keep
// the adapters alive while the task runs). llama.cpp applies adapters per context, so step() groups the busy
// slots by adapter set and runs one llama_decode per distinct set per step (round-robin start, so every set
// advances every step), setting the context's adapters before each decode. Prefix-cache reuse also requires
// the same set (Slot::cacheLoraKey). Every llama_decode holds LoraDecodeLock (adapter load/free modify the
// model's adapter list that a graph reserve reads).
#pragma once
#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "AddonLora.h"
#include "AddonModel.h"
#include "AddonSampler.h"
#include "ggml.h"
#include "llama.h"

namespace onramp {

// Context options, read once from JS (validated in src/engine/options.ts).
struct EngineConfig {
  uint32_t nCtx = 2048;
  uint32_t nBatch = 512;
  uint32_t nUbatch = 512;
  uint32_t parallel = 4;
  uint32_t scoreSeqs = 8;  // extra sequence ids for one-pass scoring candidates
  int32_t threads = 2;
  int32_t threadsBatch = 2;
  int flashAttention = -1;  // -1 auto, 0 off, 1 on
  ggml_type kvType = GGML_TYPE_F16;
  bool kvUnified = true;
  bool prefixCache = true;
  int32_t poll = -1;  // >= 0: own ggml threadpool with this polling level
  uint32_t seed = LLAMA_DEFAULT_SEED;
};

struct LoraRef {
  std::string name;
  float scale = 1.0f;
};

enum class TaskKind { Generate, Score, Embed };
enum class Pooling { None = 0, Mean = 1, Cls = 2, Last = 3 };

struct EngineTask {
  uint64_t id = 0;
  TaskKind kind = TaskKind::Generate;
  std::vector<llama_token> prompt;  // generate: prompt; score: prefix
  SamplingConfig sampling;
  int32_t maxTokens = 256;
  int32_t nProbs = 0;
  bool ignoreEos = false;
  std::vector<std::vector<llama_token>> candidates;  // score
  std::vector<std::vector<llama_token>> inputs;      // embed
  Pooling pooling = Pooling::Mean;
  std::vector<LoraRef> lora;
  LoraSet loras;        // canonical adapter set (zero scales dropped)
  std::string loraKey;  // loras.key(): '' for none
  // aLoRA: prompt tokens before aloraStart run without the adapter (its KV is the base model's), the rest with it.
  int64_t aloraStart = -1;
  std::string cacheKey;  // what Slot::cacheLoraKey must equal for a full prefix reuse
  int64_t tEnqueueUs = 0;
  llama_sampler *smpl = nullptr;     // generate: built (and the grammar checked) at submit time
  llama_sampler *grammar = nullptr;  // generate: the grammar, outside the chain (see sampleToken)
  EngineTask() = default;
  EngineTask(const EngineTask &) = delete;
  EngineTask &operator=(const EngineTask &) = delete;
  ~EngineTask() {
    if (smpl) llama_sampler_free(smpl);
    if (grammar) llama_sampler_free(grammar);
  }
};

// What the engine thread tells JS. Tagged union kept flat for cheap conversion.
struct EngineEvent {
  enum Type { Tokens, Done, Score, Embed } type = Tokens;
  uint64_t id = 0;
  std::vector<llama_token> tokens;
  std::vector<float> logprobs;                // one per token when asked
  std::vector<llama_token> topTokens;         // nProbs per token
  std::vector<float> topLogprobs;
  int32_t nProbs = 0;
  std::string finish;                          // stop | length | abort | error
  std::string errCode, errMessage;
  int32_t promptTokens = 0, cachedTokens = 0, completionTokens = 0;
  double queuedMs = 0, promptMs = 0, genMs = 0;
  std::vector<std::vector<double>> candLogprobs;  // score
  std::vector<std::vector<float>> vectors;        // embed (pooling none: all token rows concatenated)
  std::vector<int32_t> nTokens;                   // embed: tokens per input
  int32_t dim = 0;
};

// Events waiting for the JS thread; shared with the TSFN callback so it outlives the engine.
struct EventSink {
  std::mutex mu;
  std::vector<EngineEvent> events;
  bool callPending = false;
  Napi::ThreadSafeFunction tsfn;
  bool closed = false;
  uint64_t active = 0;  // JS thread only: tasks not yet finished (the TSFN is ref'd while > 0)
  void push(std::vector<EngineEvent> &&evs, const std::shared_ptr<EventSink> &self);
};

enum class SlotState { Idle, Prompt, Generating, ScoreCandidates };

struct CandRun {
  size_t cand;
  llama_seq_id seq;
  int32_t iBatch;
};

struct Slot {
  int32_t id = 0;
  SlotState state = SlotState::Idle;
  std::shared_ptr<EngineTask> task;
  std::vector<llama_token> cache;  // tokens whose KV is in sequence `id`
  std::string cacheLoraKey;        // adapter set the cached KV was computed with
  size_t nPromptDone = 0;
  int32_t iBatch = -1;
  llama_sampler *smpl = nullptr;
  llama_sampler *grammar = nullptr;
  std::vector<llama_token_data> cur;  // sampling scratch (n_vocab entries)
  llama_token pending = LLAMA_TOKEN_NULL;
  int32_t nGenerated = 0, nCached = 0;
  int64_t tAdmit = 0, tFirst = 0, tLast = 0;
  uint64_t lastUsed = 0, admitOrder = 0;
  std::vector<std::vector<double>> candLp;
  std::deque<size_t> candTodo;
  std::vector<CandRun> candRunning;
};

// The engine proper: no N-API here except through EventSink, so it can run on its own thread.
class EngineCore {
 public:
  EngineCore(std::shared_ptr<ModelHandle> model, const EngineConfig &cfg, std::shared_ptr<EventSink> sink);
  ~EngineCore();
  std::string init();  // creates the context and starts the thread; returns an error message or ""
  void submit(std::shared_ptr<EngineTask> task);
  void abort(uint64_t id);
  void stop();  // joins the thread and frees every native allocation; idempotent
  uint32_t nCtxSeq() const { return nCtxSeq_; }
  uint32_t nSeqMax() const { return nSeqMax_; }
  uint32_t busySlots() const { return busy_.load(); }

 private:
  void run();
  void step();
  void stepGroup(const std::string &key);  // one batch + decode for the slots of one adapter set
  void applyLoras(const LoraSet &set);
  void processAborts(std::vector<uint64_t> &ids);
  void admit();
  Slot *pickSlot(const EngineTask &task);
  size_t reusablePrefix(const Slot &s, const EngineTask &task) const;
  void launch(Slot &s, std::shared_ptr<EngineTask> task);
  void finishGenerate(Slot &s, const char *reason, const std::string &code = "", const std::string &msg = "");
  void finishScore(Slot &s);
  void failSlot(Slot &s, const std::string &code, const std::string &msg);
  void releaseSlot(Slot &s);
  void dropCandidateKv(Slot &s, llama_seq_id seq);
  void afterDecode();
  void onPrefixDone(Slot &s);
  bool anyWork() const;
  bool evictIdleCaches();
  void sampleSlot(Slot &s);
  void runEmbeds();
  bool ensureEmbedCtx(std::string &err);
  void emit(EngineEvent &&ev) { out_.push_back(std::move(ev)); }
  void flush();

  std::shared_ptr<ModelHandle> model_;
  EngineConfig cfg_;
  std::shared_ptr<EventSink> sink_;
  llama_context *ctx_ = nullptr;
  llama_context *embedCtx_ = nullptr;
  llama_batch batch_{};
  llama_batch embedBatch_{};
  bool batchInit_ = false, embedBatchInit_ = false;
  ggml_threadpool_t pool_ = nullptr;
  ggml_threadpool_t poolBatch_ = nullptr;
  void (*poolFree_)(ggml_threadpool_t) = nullptr;
  uint32_t nCtxSeq_ = 0, nSeqMax_ = 0;
  std::vector<Slot> slots_;
  std::vector<bool> auxFree_;
  std::deque<std::shared_ptr<EngineTask>> pending_;
  std::deque<std::shared_ptr<EngineTask>> embedQueue_;
  std::vector<std::vector<std::vector<float>>> embedPartial_;  // per embedQueue_ entry
  std::vector<EngineEvent> out_;
  uint64_t useCounter_ = 0;
  LoraSet applied_, embedApplied_;  // adapter sets currently set on ctx_ / embedCtx_ (held alive)
  size_t groupCursor_ = 0;          // round-robin start among adapter groups
  std::atomic<uint32_t> busy_{0};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<EngineTask>> incoming_;
  std::vector<uint64_t> aborts_;
  bool stop_ = false;
  bool stopped_ = false;
  std::thread thread_;
};

class AddonEngine : public Napi::ObjectWrap<AddonEngine> {
 public:
  static void init(Napi::Env env, Napi::Object exports);
  explicit AddonEngine(const Napi::CallbackInfo &info);
  ~AddonEngine() override;

 private:
  Napi::Value Start(const Napi::CallbackInfo &info);
  Napi::Value Submit(const Napi::CallbackInfo &info);
  Napi::Value Abort(const Napi::CallbackInfo &info);
  Napi::Value Dispose(const Napi::CallbackInfo &info);
  Napi::Value Info(const Napi::CallbackInfo &info);
  void shutdown();

  std::shared_ptr<ModelHandle> model_;
  EngineConfig cfg_;
  std::shared_ptr<EventSink> sink_;
  std::shared_ptr<EngineCore> core_;
  bool started_ = false;
  bool disposed_ = false;
  friend struct EngineCallbacks;
};

}  // namespace onramp
