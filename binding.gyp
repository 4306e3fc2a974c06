{
  "targets": [
    {
      "target_name": "onramp",
      "sources": [
        "<!@(node scripts/gyp-sources.mjs)"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "deps/llama.cpp/include",
        "deps/llama.cpp/ggml/include",
        "deps/llama.cpp/common",
        "deps/llama.cpp/vendor"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O2", "-Wno-unused-parameter"],
      "libraries": [
        "-L<(module_root_dir)/deps/lib",
        "<!@(node scripts/gyp-libs.mjs)",
        "-Wl,-rpath,'$$ORIGIN'"
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_LDFLAGS": ["-Wl,-rpath,@loader_path"]
      }
    }
  ]
}
