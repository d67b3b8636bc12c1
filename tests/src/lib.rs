//! Tessera's cross-layer test suites live in tests/.
