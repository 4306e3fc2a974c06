#include "AddonQuantize.h"

#include <cstdio>
#include <cstring>
#include <vector>

#include "common.h"
#include "llama.h"

namespace onramp {

static thread_local LogTap *tTap = nullptr;
void setThreadLogTap(LogTap *tap) { tTap = tap; }
LogTap *threadLogTap() { return tTap; }

struct QuantizeProgress {
  int done;
  int total;
  std::string tensor;
};

// Runs llama_model_quantize with options read once on the JS thread (validated in src/engine/quantize.ts).
class QuantizeWorker : public Napi::AsyncWorker {
 public:
  QuantizeWorker(Napi::Env env, std::string in, std::string out, llama_model_quantize_params params,
                 std::vector<int32_t> prune, Napi::Function onProgress)
      : Napi::AsyncWorker(env, "onramp:quantize"),
        in_(std::move(in)), out_(std::move(out)), params_(params), prune_(std::move(prune)),
        deferred_(Napi::Promise::Deferred::New(env)) {
    if (!onProgress.IsEmpty() && onProgress.IsFunction())
      progress_ = Napi::ThreadSafeFunction::New(env, onProgress, "onramp:quantize-progress", 0, 1);
  }
  ~QuantizeWorker() override {
    if (progress_) progress_.Release();
  }
  Napi::Promise promise() { return deferred_.Promise(); }

  void Execute() override {
    llama_model_quantize_params p = params_;
    if (!prune_.empty()) {
      prune_.push_back(-1);  // terminator, see llama-quant.cpp
      p.prune_layers = prune_.data();
    }
    LogTap tap = [this](int, const char *text) { onLog(text); };
    setThreadLogTap(&tap);
    uint32_t rc = llama_model_quantize(in_.c_str(), out_.c_str(), &p);
    setThreadLogTap(nullptr);
    if (rc != 0) SetError(lastError_.empty() ? "llama_model_quantize failed" : lastError_);
  }
  // Settle the promise through the progress queue when there is one: thread-safe calls are delivered in order,
  // so every progress event reaches JS before the promise settles (none arrives late or is lost).
  void OnOK() override { settle(nullptr); }
  void OnError(const Napi::Error &e) override { settle(new std::string(e.Message())); }

 private:
  // Log lines arrive in pieces; "[  12/ 201] name - [...], type = f32, " starts each tensor.
  void onLog(const char *text) {
    int i = 0, n = 0;
    char name[256] = {0};
    if (std::sscanf(text, "[%d/%d] %255s", &i, &n, name) >= 2 && n > 0) {
      emit(i - 1, n, name);  // i-1 tensors finished when tensor i starts
      total_ = n;
      return;
    }
    const char *fail = std::strstr(text, "failed to quantize: ");
    if (fail) {
      lastError_ = fail + std::strlen("failed to quantize: ");
      while (!lastError_.empty() && (lastError_.back() == '\n' || lastError_.back() == ' ')) lastError_.pop_back();
    }
    if (std::strstr(text, "quant size") && total_ > 0) emit(total_, total_, "");
  }
  void settle(std::string *error) {
    if (!progress_) {
      if (error) deferred_.Reject(makeError(Env(), "QUANTIZE", *error).Value());
      else deferred_.Resolve(Env().Undefined());
      delete error;
      return;
    }
    auto *job = new Settle{deferred_, error};
    napi_status st = progress_.NonBlockingCall(job, [](Napi::Env env, Napi::Function, Settle *j) {
      if (j->error) j->deferred.Reject(makeError(env, "QUANTIZE", *j->error).Value());
      else j->deferred.Resolve(env.Undefined());
      delete j->error;
      delete j;
    });
    if (st != napi_ok) {
      if (error) deferred_.Reject(makeError(Env(), "QUANTIZE", *error).Value());
      else deferred_.Resolve(Env().Undefined());
      delete error;
      delete job;
    }
  }
  struct Settle {
    Napi::Promise::Deferred deferred;
    std::string *error;
  };
  void emit(int done, int total, const char *name) {
    if (!progress_) return;
    auto *v = new QuantizeProgress{done, total, name};
    napi_status st = progress_.NonBlockingCall(v, [](Napi::Env env, Napi::Function fn, QuantizeProgress *val) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("done", val->done);
      o.Set("total", val->total);
      o.Set("tensor", val->tensor);
      delete val;
      fn.Call({o});
    });
    if (st != napi_ok) delete v;
  }

  std::string in_, out_;
  llama_model_quantize_params params_;
  std::vector<int32_t> prune_;
  Napi::Promise::Deferred deferred_;
  Napi::ThreadSafeFunction progress_;
  std::string lastError_;
  int total_ = 0;
};

// quantize(input, output, {ftype, threads, pruneLayers, allowRequantize, pure, quantizeOutputTensor}, onProgress?)
static Napi::Value Quantize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string in = info[0].As<Napi::String>().Utf8Value();
  std::string out = info[1].As<Napi::String>().Utf8Value();
  Napi::Object o = info.Length() > 2 && info[2].IsObject() ? info[2].As<Napi::Object>() : Napi::Object::New(env);
  llama_model_quantize_params p = llama_model_quantize_default_params();
  p.ftype = (llama_ftype)(int)getNumber(o, "ftype", LLAMA_FTYPE_MOSTLY_Q8_0);
  p.nthread = (int32_t)getNumber(o, "threads", 0);
  p.allow_requantize = getBool(o, "allowRequantize", false);
  p.pure = getBool(o, "pure", false);
  p.quantize_output_tensor = getBool(o, "quantizeOutputTensor", true);
  std::vector<int32_t> prune;
  Napi::Value pl = o.Get("pruneLayers");
  if (pl.IsArray()) {
    Napi::Array a = pl.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) prune.push_back(a.Get(i).As<Napi::Number>().Int32Value());
  }
  Napi::Function cb = info.Length() > 3 && info[3].IsFunction() ? info[3].As<Napi::Function>() : Napi::Function();
  auto *w = new QuantizeWorker(env, in, out, p, prune, cb);
  Napi::Promise promise = w->promise();
  w->Queue();
  return promise;
}

void AddonQuantize::init(Napi::Env env, Napi::Object exports) {
  exports.Set("quantize", Napi::Function::New(env, Quantize, "quantize"));
}

}  // namespace onramp
